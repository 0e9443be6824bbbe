package app.khuphaen.sync;

import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.support.Messages;
import app.khuphaen.sync.support.RawWebSocket;
import app.khuphaen.sync.support.RawWebSocket.Frame;
import app.khuphaen.sync.support.ServerTest;
import app.khuphaen.sync.support.TestServer;
import app.khuphaen.sync.support.WsClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static app.khuphaen.sync.support.RawWebSocket.OPCODE_CLOSE;
import static app.khuphaen.sync.support.RawWebSocket.OPCODE_CONTINUATION;
import static app.khuphaen.sync.support.RawWebSocket.OPCODE_PING;
import static app.khuphaen.sync.support.RawWebSocket.OPCODE_PONG;
import static app.khuphaen.sync.support.RawWebSocket.OPCODE_TEXT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The WebSocket layer itself (RFC 6455 as browsers and client libraries use it), frame by frame over a
 * bare TCP socket: the server runs its own Netty handler for /ws, so none of this comes from Vert.x.
 */
class WebSocketFramesTest extends ServerTest {

  @Test
  void aMessageSentInFragmentsArrivesWhole() throws IOException {
    try (RawWebSocket raw = RawWebSocket.connect(server.port)) {
      raw.sendFrame(OPCODE_TEXT, false, bytes("{\"action\":"));
      raw.sendFrame(OPCODE_CONTINUATION, false, bytes("\"pi"));
      raw.sendFrame(OPCODE_CONTINUATION, true, bytes("ng\"}"));
      Frame answer = raw.readFrame();
      assertThat(answer.opcode()).isEqualTo(OPCODE_TEXT);
      assertThat(new JsonObject(answer.text()).getString("type")).isEqualTo("pong");
    }
  }

  @Test
  void fragmentsAddingUpToMoreThanTheLimitAreRefusedWith1009() throws IOException {
    try (TestServer small = TestServer.start(new JsonObject().put(Settings.MAX_MESSAGE_BYTES, 4096));
         RawWebSocket raw = RawWebSocket.connect(small.port)) {
      raw.sendFrame(OPCODE_TEXT, false, bytes("{\"action\":\"broadcast\",\"data\":\"" + "x".repeat(2000)));
      raw.sendFrame(OPCODE_CONTINUATION, false, bytes("x".repeat(2000)));
      raw.sendFrame(OPCODE_CONTINUATION, true, bytes("x".repeat(2000) + "\"}"));
      Frame error = raw.readFrame();
      assertThat(new JsonObject(error.text()).getString("message")).isEqualTo("Message too large: at most 4096 bytes");
      Frame close = raw.readFrame();
      assertThat(close.opcode()).isEqualTo(OPCODE_CLOSE);
      assertThat(close.closeCode()).isEqualTo(1009);
      assertThat(raw.awaitEndOfStream()).isTrue();
    }
  }

  /**
   * A client still sending a message over the limit when the server refuses it: the error and the
   * 1009 reach it, and what it sends afterwards (up to the limit again: this message is twice the
   * limit) is read and dropped, not answered with a reset (which fails the client's writes and can
   * destroy the close frame before the client reads it).
   */
  @Test
  void aClientStillSendingAnOversizedMessageGetsTheRefusalAndCanFinishSending() throws IOException {
    try (TestServer small = TestServer.start(new JsonObject().put(Settings.MAX_MESSAGE_BYTES, 4096));
         RawWebSocket raw = RawWebSocket.connect(small.port)) {
      byte[] frame = RawWebSocket.frame(OPCODE_TEXT, true, false, bytes("x".repeat(8192)));
      int sent = 6144;
      raw.sendRaw(java.util.Arrays.copyOf(frame, sent)); // the header already says too large
      assertThat(new JsonObject(raw.readFrame().text()).getString("message")).isEqualTo("Message too large: at most 4096 bytes");
      assertThat(raw.readFrame().closeCode()).isEqualTo(1009);
      for (; sent < frame.length; sent += 512) { // the rest of the message, as a browser would go on sending it
        raw.sendRaw(java.util.Arrays.copyOfRange(frame, sent, Math.min(sent + 512, frame.length)));
      }
      raw.sendFrame(OPCODE_CLOSE, true, new byte[] {(byte) (1000 >> 8), (byte) (1000 & 0xff)});
      assertThat(raw.awaitEndOfStream()).isTrue();
    }
  }

  @Test
  void aPingIsAnsweredWithItsPayload() throws IOException {
    try (RawWebSocket raw = RawWebSocket.connect(server.port)) {
      raw.sendFrame(OPCODE_PING, true, bytes("are you there"));
      Frame pong = raw.readFrame();
      assertThat(pong.opcode()).isEqualTo(OPCODE_PONG);
      assertThat(pong.text()).isEqualTo("are you there");
    }
  }

  @Test
  void aClientsCloseIsEchoedWithItsCodeAndTheConnectionEnds() throws IOException {
    try (RawWebSocket raw = RawWebSocket.connect(server.port)) {
      raw.sendFrame(OPCODE_CLOSE, true, new byte[] {(byte) (4000 >> 8), (byte) (4000 & 0xff)});
      Frame close = raw.readFrame();
      assertThat(close.opcode()).isEqualTo(OPCODE_CLOSE);
      assertThat(close.closeCode()).isEqualTo(4000);
      assertThat(raw.awaitEndOfStream()).isTrue();
    }
  }

  @Test
  void invalidUtf8ClosesWith1007AndTheServerCarriesOn() throws IOException {
    try (RawWebSocket raw = RawWebSocket.connect(server.port)) {
      raw.sendFrame(OPCODE_TEXT, true, new byte[] {'"', (byte) 0xC3, (byte) 0x28, '"'});
      Frame close = raw.readFrame();
      assertThat(close.opcode()).isEqualTo(OPCODE_CLOSE);
      assertThat(close.closeCode()).isEqualTo(1007);
    }
    try (WsClient client = server.connect()) {
      client.expectNothingPending();
    }
  }

  @Test
  void anUnsupportedVersionIsAnswered426AndAnUpgradeElsewhere404() throws IOException {
    String version99 = handshake(server.port, "/ws", "99", "");
    assertThat(version99).startsWith("HTTP/1.1 426").containsIgnoringCase("sec-websocket-version: 13");
    assertThat(handshake(server.port, "/socket", "13", "")).startsWith("HTTP/1.1 404");
  }

  @Test
  void perMessageDeflateIsNegotiatedOnlyWhenEnabledAndAlwaysWithoutServerContextTakeover() throws IOException {
    String offer = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";
    assertThat(handshake(server.port, "/ws", "13", offer)).startsWith("HTTP/1.1 101")
        .doesNotContainIgnoringCase("permessage-deflate");
    try (TestServer compressing = TestServer.start(new JsonObject().put(Settings.WS_COMPRESSION, true));
         WsClient host = WsClient.connect(compressing.vertx, compressing.port, true);
         WsClient guest = WsClient.connect(compressing.vertx, compressing.port, true)) {
      assertThat(handshake(compressing.port, "/ws", "13", offer)).startsWith("HTTP/1.1 101")
          .containsIgnoringCase("sec-websocket-extensions: permessage-deflate")
          .contains("server_no_context_takeover");
      // the JDK's deflater has only the largest window: a client asking for a smaller one goes without
      assertThat(handshake(compressing.port, "/ws", "13",
          "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10\r\n"))
          .startsWith("HTTP/1.1 101").doesNotContainIgnoringCase("permessage-deflate");
      compressing.createRoom("DEFL01");
      host.join("DEFL01", "host", true);
      guest.join("DEFL01", "guest", false);
      host.next("peer_joined");
      String tasks = "{\"tasks\":[" + "{\"title\":\"งานบ้าน ✅\"},".repeat(200) + "{}]}";
      host.send(Messages.broadcast(tasks));
      JsonObject data = guest.next("data");
      assertThat(data.getString("data")).isEqualTo(tasks);
    }
  }

  @Test
  void withDeflateLargeMessagesAreCompressedOnceForAllReceiversAndSmallOnesNot() throws IOException {
    String offer = "Sec-WebSocket-Extensions: permessage-deflate\r\n"; // as browsers offer it
    try (TestServer compressing = TestServer.start(new JsonObject().put(Settings.WS_COMPRESSION, true));
         WsClient host = compressing.connect();
         RawWebSocket first = RawWebSocket.connect(compressing.port, offer);
         RawWebSocket second = RawWebSocket.connect(compressing.port, offer);
         RawWebSocket plain = RawWebSocket.connect(compressing.port)) {
      compressing.createRoom("DEFL02");
      host.join("DEFL02", "host", true);
      RawWebSocket[] guests = {first, second, plain};
      for (int i = 0; i < guests.length; i++) {
        RawWebSocket guest = guests[i];
        guest.sendText(Messages.join("DEFL02", "guest" + i, false).encode());
        for (String expected : new String[] {"room_info", "connected"}) {
          Frame frame = guest.readFrame();
          assertThat(frame.compressed()).isFalse(); // under MessageDeflater.MIN_BYTES
          assertThat(new JsonObject(frame.text()).getString("type")).isEqualTo(expected);
        }
        host.next("peer_joined");
      }
      skipPeerJoined(first, 3); // its own (PROTOCOL.md echoes it) and the two after it
      skipPeerJoined(second, 2);
      skipPeerJoined(plain, 1);
      String tasks = "{\"tasks\":[" + "{\"title\":\"งานบ้าน ✅ \\\"x\\\"\",\"done\":false},".repeat(500) + "{}]}";
      host.send(Messages.syncDocument(tasks));
      Frame toFirst = first.readFrame();
      Frame toSecond = second.readFrame();
      Frame toPlain = plain.readFrame();
      assertThat(toFirst.compressed()).isTrue();
      assertThat(toFirst.payload()).isEqualTo(toSecond.payload()); // the same compressed bytes
      assertThat(toFirst.payload().length).isLessThan(tasks.length() / 10);
      assertThat(toPlain.compressed()).isFalse();
      assertThat(RawWebSocket.inflatedText(toFirst)).isEqualTo(toPlain.text());
      assertThat(new JsonObject(toPlain.text()).getString("document")).isEqualTo(tasks);

      // a late joiner's copy of the document, sent to it alone, is compressed too
      try (RawWebSocket late = RawWebSocket.connect(compressing.port, offer)) {
        late.sendText(Messages.join("DEFL02", "late", false).encode());
        Frame frame;
        do {
          frame = late.readFrame();
        } while (!frame.compressed());
        JsonObject sync = new JsonObject(RawWebSocket.inflatedText(frame));
        assertThat(sync.getString("type")).isEqualTo("document_sync");
        assertThat(sync.getString("document")).isEqualTo(tasks);
      }
    }
  }

  /** Reads {@code count} peer_joined frames. */
  private static void skipPeerJoined(RawWebSocket guest, int count) throws IOException {
    for (int i = 0; i < count; i++) {
      assertThat(new JsonObject(guest.readFrame().text()).getString("type")).isEqualTo("peer_joined");
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** Sends an upgrade request by hand and answers the head of the server's response. */
  private static String handshake(int port, String path, String version, String extraHeaders) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      String request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: " + version + "\r\n" + extraHeaders + "\r\n";
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) >= 0) {
        head.write(b);
        if (head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
          break;
        }
      }
      return head.toString(StandardCharsets.US_ASCII);
    }
  }
}
