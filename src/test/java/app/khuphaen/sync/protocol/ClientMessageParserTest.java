package app.khuphaen.sync.protocol;

import app.khuphaen.sync.model.JsonString;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The parser's own rules: only the protocol's fields are kept, and nothing else is built. */
class ClientMessageParserTest {
  private final ClientMessageParser parser = new ClientMessageParser(64, 100);

  private ClientMessage parse(String text) throws InvalidMessageException {
    return parser.parse(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void fieldsOutsideTheProtocolAreSkippedWhateverTheyHold() throws Exception {
    String manyArrays = "{\"action\":\"ping\",\"x\":[" + "[],".repeat(500_000) + "[]]}";
    assertThat(parse(manyArrays)).isInstanceOf(ClientMessage.Ping.class);
    StringBuilder manyKeys = new StringBuilder("{\"action\":\"ping\"");
    for (int i = 0; i < 200_000; i++) {
      manyKeys.append(",\"k").append(i).append("\":{}");
    }
    assertThat(parse(manyKeys.append('}').toString())).isInstanceOf(ClientMessage.Ping.class);
  }

  @Test
  void metadataDecodesAsVertxDecodesIt() throws Exception {
    String metadata = "{\"name\":\"ก\",\"n\":1,\"big\":12345678901234567890,\"f\":1.5,\"list\":[true,null,{\"a\":[]}]}";
    ClientMessage.Join join = (ClientMessage.Join) parse(
        "{\"action\":\"join\",\"room_code\":\"ROOM01\",\"peer_id\":\"p\",\"metadata\":" + metadata + "}");
    assertThat(join.metadata()).isEqualTo(new JsonObject(metadata));
    assertThat(join.metadataTooLarge()).isFalse();
  }

  @Test
  void metadataOfMoreValuesThanItsBudgetIsNeverBuiltAndSaidToBeTooLarge() throws Exception {
    String join = "{\"action\":\"join\",\"room_code\":\"ROOM01\",\"peer_id\":\"p\",\"metadata\":{\"a\":["
        + "{},".repeat(1_000_000) + "{}]},\"is_host\":true}";
    ClientMessage.Join parsed = (ClientMessage.Join) parse(join);
    assertThat(parsed.metadataTooLarge()).isTrue();
    assertThat(parsed.metadata()).isNull();
    assertThat(parsed.isHost()).isTrue(); // the fields after it are still read
  }

  @Test
  void theLastOfDuplicateFieldsCountsAsInAMap() throws Exception {
    ClientMessage message = parse("{\"action\":\"ping\",\"data\":{\"x\":1},\"action\":\"broadcast\",\"data\":\"d\"}");
    assertThat(message).isEqualTo(new ClientMessage.Broadcast(JsonString.of("d")));
  }

  @Test
  void aDocumentIsKeptAsItsEscapedBytesAsTheyCameWithTheLengthOfWhatTheyHold() throws Exception {
    String escaped = "{\\\"tasks\\\":[\\\"ไทย \\u0e44 \\ud83d\\ude00\\\"]}\\n";
    ClientMessage.SyncDocument sync = (ClientMessage.SyncDocument) parse(
        "{\"action\":\"sync_document\", \"document\" : \"" + escaped + "\" , \"x\":1}");
    byte[] relayed = new byte[sync.document().escapedLength()];
    sync.document().copyTo(relayed, 0);
    assertThat(new String(relayed, StandardCharsets.UTF_8)).isEqualTo(escaped); // not re-escaped
    String value = "{\"tasks\":[\"ไทย ไ 😀\"]}\n";
    assertThat(sync.document().decode()).isEqualTo(value);
    assertThat(sync.document().utf8Length()).isEqualTo(value.getBytes(StandardCharsets.UTF_8).length);
  }

  @Test
  void refusalsSayWhatIsWrong() {
    assertThatThrownBy(() -> parse("{\"action\":\"ping\"} {}")).hasMessage("not a JSON object");
    assertThatThrownBy(() -> parse("[1,2]")).hasMessage("not a JSON object");
    assertThatThrownBy(() -> parse("")).hasMessage("not a JSON object");
    assertThatThrownBy(() -> parse("{\"action\":\"ping\",\"x\":[1,}")).hasMessage("not a JSON object");
    assertThatThrownBy(() -> parse("[".repeat(100) + "]".repeat(100))).hasMessage("nested deeper than 64 levels");
    assertThatThrownBy(() -> parse("{\"action\":[\"ping\"]}")).hasMessage("field 'action' must be a string");
    assertThatThrownBy(() -> parse("{\"action\":\"broadcast\",\"data\":[1]}")).hasMessage("field 'data' must be a string");
  }
}
