package app.khuphaen.sync;

import app.khuphaen.sync.support.Messages;
import app.khuphaen.sync.support.ServerTest;
import app.khuphaen.sync.support.WsClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class RelayTest extends ServerTest {

  @Test
  void broadcastReachesEveryOtherPeerButNeverTheSender() {
    server.createRoom("RELAY1");
    try (WsClient a = server.connect(); WsClient b = server.connect(); WsClient c = server.connect()) {
      a.join("RELAY1", "a", true);
      b.join("RELAY1", "b", false);
      c.join("RELAY1", "c", false);
      a.next("peer_joined");
      a.next("peer_joined");
      b.next("peer_joined");

      a.send(Messages.broadcast("hello"));
      JsonObject expected = new JsonObject().put("type", "data").put("from", "a").put("data", "hello");
      assertThat(b.next()).isEqualTo(expected);
      assertThat(c.next()).isEqualTo(expected);
      a.expectNothingPending();
    }
  }

  @Test
  void documentsAndDataReachTheOthersAsTheSenderEscapedThemAndAreStoredDecoded() {
    server.createRoom("ASIS01");
    // escapes no encoder of ours would write: \u0e44 for ไ, \/ for /, a surrogate pair for 😀
    String escaped = "{\\\"t\\\":\\\"\\u0e44\\/\\ud83d\\ude00\\\"}";
    String value = "{\"t\":\"ไ/😀\"}";
    try (WsClient host = server.connect(); WsClient guest = server.connect(); WsClient late = server.connect()) {
      host.join("ASIS01", "host", true);
      guest.join("ASIS01", "guest", false);
      host.next("peer_joined");
      host.sendText("{\"action\":\"sync_document\",\"document\":\"" + escaped + "\"}");
      assertThat(guest.nextText()).isEqualTo("{\"type\":\"document_sync\",\"document\":\"" + escaped + "\"}");
      host.sendText("{\"action\":\"broadcast\",\"data\":\"" + escaped + "\"}");
      assertThat(guest.nextText()).isEqualTo("{\"type\":\"data\",\"from\":\"host\",\"data\":\"" + escaped + "\"}");
      server.http.awaitStored("ASIS01", value); // the store has the plain value
      late.send(Messages.join("ASIS01", "late", false));
      late.next("room_info");
      late.next("connected");
      assertThat(late.nextText()).isEqualTo("{\"type\":\"document_sync\",\"document\":\"" + escaped + "\"}");
    }
  }

  @Test
  void messagesFromEachSenderArriveInOrder() {
    server.createRoom("ORDER2");
    int count = 1000;
    try (WsClient s1 = server.connect(); WsClient s2 = server.connect(); WsClient receiver = server.connect()) {
      receiver.join("ORDER2", "receiver", true);
      s1.join("ORDER2", "s1", false);
      s2.join("ORDER2", "s2", false);
      receiver.next("peer_joined");
      receiver.next("peer_joined");
      s1.next("peer_joined");

      for (int i = 0; i < count; i++) {
        s1.send(Messages.broadcast("s1-" + i));
        s2.send(Messages.broadcast("s2-" + i));
      }
      Map<String, Integer> nextExpected = new HashMap<>(Map.of("s1", 0, "s2", 0));
      for (int i = 0; i < 2 * count; i++) {
        JsonObject data = receiver.next("data");
        String from = data.getString("from");
        int seq = nextExpected.get(from);
        assertThat(data.getString("data")).isEqualTo(from + "-" + seq);
        nextExpected.put(from, seq + 1);
      }
      assertThat(nextExpected).containsEntry("s1", count).containsEntry("s2", count);
      receiver.expectNothingPending();
    }
  }

  @Test
  void thaiTextAndEmojiRoundTripByteForByte() {
    server.createRoom("THAI01");
    String text = "งานวันนี้: ซื้อผัก 🥬🛒, โทรหาแม่ ☎️ — สำเร็จ ✅ 👩🏽‍💻 \u0000 \\\"quoted\\\"";
    try (WsClient a = server.connect(); WsClient b = server.connect()) {
      a.join("THAI01", "ผู้ใช้-๑", true);
      b.join("THAI01", "😀", false);
      a.next("peer_joined");

      a.send(Messages.broadcast(text));
      JsonObject data = b.next("data");
      assertThat(data.getString("from")).isEqualTo("ผู้ใช้-๑");
      assertThat(data.getString("data").getBytes(StandardCharsets.UTF_8)).isEqualTo(text.getBytes(StandardCharsets.UTF_8));

      b.send(Messages.syncDocument(text));
      assertThat(a.next("document_sync").getString("document")).isEqualTo(text);
      a.send(Messages.action("request_sync"));
      assertThat(a.next("document_sync").getString("document").getBytes(StandardCharsets.UTF_8))
          .isEqualTo(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  void documentsSyncBothWaysAndLateJoinersCatchUp() {
    server.createRoom("DOCS01");
    try (WsClient host = server.connect(); WsClient guest = server.connect()) {
      host.join("DOCS01", "host", true);
      guest.join("DOCS01", "guest", false);
      host.next("peer_joined");

      host.send(Messages.syncDocument("v1"));
      assertThat(guest.next("document_sync").getString("document")).isEqualTo("v1");
      host.expectNothingPending(); // never echoed to the sender

      guest.send(Messages.syncDocument("v2")); // any peer may sync by default
      assertThat(host.next("document_sync").getString("document")).isEqualTo("v2");

      host.send(Messages.action("request_sync"));
      assertThat(host.next("document_sync").getString("document")).isEqualTo("v2");

      try (WsClient late = server.connect()) {
        late.send(Messages.join("DOCS01", "late", false));
        late.next("room_info");
        late.next("connected");
        assertThat(late.next("document_sync").getString("document")).isEqualTo("v2");
        late.next("peer_joined");
      }
    }
  }

  @Test
  void aDocumentNearTheDefaultMessageLimitRoundTrips() {
    server.createRoom("BIGDOC");
    StringBuilder doc = new StringBuilder("{\"tasks\":[");
    Random random = new Random(42);
    while (doc.length() < 3_300_000) { // about 3.9 MB of UTF-8: just under MAX_MESSAGE_BYTES (4 MiB) with the envelope
      doc.append("{\"id\":").append(random.nextInt()).append(",\"title\":\"งาน ").append(random.nextLong()).append(" ✅\"},");
    }
    doc.append("{}]}");
    String document = doc.toString();
    assertThat(Messages.syncDocument(document).encode().getBytes(StandardCharsets.UTF_8).length)
        .isBetween(3_800_000, 4 * 1024 * 1024);
    try (WsClient host = server.connect(); WsClient guest = server.connect()) {
      host.join("BIGDOC", "host", true);
      guest.join("BIGDOC", "guest", false);
      host.next("peer_joined");

      host.send(Messages.syncDocument(document));
      assertThat(guest.next("document_sync").getString("document")).isEqualTo(document);
      guest.send(Messages.action("request_sync"));
      assertThat(guest.next("document_sync").getString("document")).isEqualTo(document);
    }
  }

  @Test
  void framesCanArriveFragmented() {
    server.createRoom("FRAG01");
    try (WsClient a = server.connect(); WsClient b = server.connect()) {
      a.join("FRAG01", "a", true);
      b.join("FRAG01", "b", false);
      a.next("peer_joined");
      // a message far above one 64 KiB frame, sent as one text message
      String big = "x".repeat(300_000);
      a.send(Messages.broadcast(big));
      assertThat(b.next("data").getString("data")).isEqualTo(big);
      a.sendBinary(Buffer.buffer("not text"));
      a.expectError("Invalid message format: binary frames are not supported");
    }
  }
}
