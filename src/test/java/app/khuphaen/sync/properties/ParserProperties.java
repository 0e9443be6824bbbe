package app.khuphaen.sync.properties;

import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.protocol.ClientMessage;
import app.khuphaen.sync.protocol.ClientMessageParser;
import app.khuphaen.sync.protocol.InvalidMessageException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Whatever a client sends, parsing gives a message or a reason: never any other exception. */
class ParserProperties {
  private static final ClientMessageParser PARSER =
      new ClientMessageParser(Settings.defaults().limits().maxNestingDepth(), Settings.defaults().limits().maxMetadataBytes());

  @Property(tries = 2000)
  void anyTextParsesOrIsRefusedWithAReason(@ForAll String text) {
    assertParsesOrRefuses(text);
  }

  @Property(tries = 2000)
  void anyJsonObjectWithAnyActionParsesOrIsRefusedWithAReason(@ForAll("messages") JsonObject message) {
    ClientMessage parsed = assertParsesOrRefuses(message.encode());
    if (parsed instanceof ClientMessage.Broadcast b) {
      String sent = (String) message.getValue("data"); // accepted only with a string, kept as sent
      assertThat(b.data().decode()).isEqualTo(new String(sent.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
      assertThat(b.data().utf8Length()).isEqualTo(sent.getBytes(StandardCharsets.UTF_8).length);
    }
  }

  /** As the WebSocket hands it over: UTF-8 bytes (Java's encoder makes a lone surrogate '?'). */
  private static ClientMessage parse(String text) throws InvalidMessageException {
    return PARSER.parse(text.getBytes(StandardCharsets.UTF_8));
  }

  private static ClientMessage assertParsesOrRefuses(String text) {
    try {
      return parse(text);
    } catch (InvalidMessageException e) {
      assertThat(e.getMessage()).isNotBlank();
      return null;
    }
  }

  @Provide
  Arbitrary<JsonObject> messages() {
    Arbitrary<String> actions = Arbitraries.oneOf(
        Arbitraries.of("join", "broadcast", "sync_document", "request_sync", "leave", "ping"),
        Arbitraries.strings().ofMaxLength(20));
    Arbitrary<Object> values = Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(40).map(s -> (Object) s),
        Arbitraries.integers().map(i -> (Object) i),
        Arbitraries.of(true, false).map(b -> (Object) b),
        Arbitraries.just(new JsonObject().put("nested", "x")),
        Arbitraries.just(new JsonArray().add(1)),
        Arbitraries.just(null));
    Arbitrary<String> fields = Arbitraries.of("action", "room_code", "peer_id", "is_host", "metadata", "data",
        "document", "host_key", "extra");
    return Arbitraries.maps(fields, values).ofMaxSize(8).flatMap(map -> actions.injectNull(0.1).map(action -> {
      JsonObject json = new JsonObject();
      map.forEach(json::put);
      if (action != null && !map.containsKey("action")) {
        json.put("action", action);
      }
      return json;
    }));
  }
}
