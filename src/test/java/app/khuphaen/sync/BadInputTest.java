package app.khuphaen.sync;

import app.khuphaen.sync.support.Messages;
import app.khuphaen.sync.support.ServerTest;
import app.khuphaen.sync.support.WsClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class BadInputTest extends ServerTest {

  @Test
  void everyKindOfBadFrameGetsAnInvalidFormatErrorAndTheSocketStaysOpen() {
    Map<String, String> cases = Map.ofEntries(
        Map.entry("not json at all", "not a JSON object"),
        Map.entry("{\"action\":", "not a JSON object"),
        Map.entry("[\"join\"]", "not a JSON object"),
        Map.entry("42", "not a JSON object"),
        Map.entry("{}", "missing field 'action'"),
        Map.entry("{\"action\":7}", "field 'action' must be a string"),
        Map.entry("{\"action\":\"fly\"}", "unknown action 'fly'"),
        Map.entry("{\"action\":\"broadcast\"}", "missing field 'data'"),
        Map.entry("{\"action\":\"broadcast\",\"data\":{\"x\":1}}", "field 'data' must be a string"),
        Map.entry("{\"action\":\"sync_document\",\"document\":[1]}", "field 'document' must be a string"),
        Map.entry("{\"action\":\"join\",\"room_code\":123,\"peer_id\":\"p\"}", "field 'room_code' must be a string"),
        Map.entry("{\"action\":\"join\",\"room_code\":\"ABCD\",\"peer_id\":null}", "missing field 'peer_id'"),
        Map.entry("{\"action\":\"join\",\"room_code\":\"ABCD\",\"peer_id\":\"p\",\"is_host\":\"yes\"}",
            "field 'is_host' must be a boolean"),
        Map.entry("{\"action\":\"join\",\"room_code\":\"ABCD\",\"peer_id\":\"\"}",
            "peer_id must be 1-128 characters without control characters"),
        Map.entry("{\"action\":\"join\",\"room_code\":\"ABCD\",\"peer_id\":\"a\\nb\"}",
            "peer_id must be 1-128 characters without control characters"),
        // a right-to-left override makes one peer id display as another; a lone surrogate has no UTF-8
        Map.entry("{\"action\":\"join\",\"room_code\":\"ABCD\",\"peer_id\":\"admin\\u202Etxt\"}",
            "peer_id must be 1-128 characters without control characters"),
        Map.entry("{\"action\":\"join\",\"room_code\":\"ABCD\",\"peer_id\":\"x\\uD800\"}",
            "peer_id must be 1-128 characters without control characters"));
    try (WsClient client = server.connect()) {
      for (Map.Entry<String, String> c : cases.entrySet()) {
        client.sendText(c.getKey());
        assertThat(client.next("error").getString("message")).as(c.getKey())
            .isEqualTo("Invalid message format: " + c.getValue());
      }
      client.sendBinary(Buffer.buffer(new byte[] {0, 1, 2}));
      client.expectError("Invalid message format: binary frames are not supported");
      client.expectNothingPending();
      assertThat(client.isClosed()).isFalse();
    }
  }

  /** MAX_NESTING_DEPTH (64 by default) levels are fine, one more is refused and the socket stays. */
  @Test
  void framesNestedDeeperThanTheLimitAreRefusedWhileReading() {
    try (WsClient client = server.connect()) {
      client.sendText("{\"action\":\"ping\",\"x\":" + "[".repeat(63) + "]".repeat(63) + "}");
      client.next("pong");
      client.sendText("{\"action\":\"ping\",\"x\":" + "[".repeat(64) + "]".repeat(64) + "}");
      client.expectError("Invalid message format: nested deeper than 64 levels");
      client.sendText("{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000));
      client.expectError("Invalid message format: nested deeper than 64 levels");
      client.expectNothingPending();
    }
  }

  @Test
  void unknownFieldsAreIgnored() {
    try (WsClient client = server.connect()) {
      client.send(Messages.action("ping").put("extra", new JsonObject().put("nested", true)));
      client.next("pong");
    }
  }

  @Test
  void badInputInOneRoomNeitherStallsAnotherNorTouchesItsDocument() {
    server.createRoom("CALM01");
    server.createRoom("NOISY1");
    try (WsClient calmA = server.connect(); WsClient calmB = server.connect(); WsClient noisy = server.connect()) {
      calmA.join("CALM01", "a", true);
      calmB.join("CALM01", "b", false);
      calmA.next("peer_joined");
      calmA.send(Messages.syncDocument("precious"));
      calmB.next("document_sync");
      noisy.join("NOISY1", "n", true);

      for (int i = 0; i < 200; i++) {
        noisy.sendText(i % 2 == 0 ? "{garbage" : "{\"action\":\"sync_document\",\"document\":" + i + "}");
      }
      calmA.send(Messages.broadcast("still flowing"));
      assertThat(calmB.next("data").getString("data")).isEqualTo("still flowing");
      for (int i = 0; i < 200; i++) {
        noisy.next("error");
      }
      calmB.send(Messages.action("request_sync"));
      assertThat(calmB.next("document_sync").getString("document")).isEqualTo("precious");
    }
  }
}
