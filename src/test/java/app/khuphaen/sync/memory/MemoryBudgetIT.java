package app.khuphaen.sync.memory;

import app.khuphaen.sync.support.Await;
import app.khuphaen.sync.support.Http;
import app.khuphaen.sync.support.Messages;
import app.khuphaen.sync.support.RawWebSocket;
import app.khuphaen.sync.support.ServerProcess;
import app.khuphaen.sync.support.TestServer;
import app.khuphaen.sync.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.Deflater;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What one client (or a few) can do to the server's memory, against the packaged server started with
 * the container's exact command line: its 64 MB heap and 64 MB of direct memory are where a missing
 * bound shows. Every setting is the default unless a test says otherwise.
 */
@Tag("slow")
class MemoryBudgetIT {
  @TempDir
  Path workDir;
  private Vertx vertx;
  private int port;
  private int creations;
  private ServerProcess lastStarted; // for its output when a test fails

  /** A failure here is judged by what the server logged: its output goes to the report. */
  @RegisterExtension
  final TestWatcher serverOutputOnFailure = new TestWatcher() {
    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
      if (lastStarted != null) {
        System.err.println("output of the server of " + context.getDisplayName() + ":\n" + lastStarted.output());
      }
    }
  };

  @BeforeEach
  void createVertx() {
    vertx = Vertx.vertx();
    port = TestServer.freePort();
  }

  @AfterEach
  void closeVertx() {
    Await.result(vertx.close());
  }

  private ServerProcess start(Map<String, String> settings) throws Exception {
    Map<String, String> env = new HashMap<>(settings);
    env.put("PORT", Integer.toString(port));
    env.put("DATA_DIR", workDir.resolve("data").toString());
    ServerProcess server = ServerProcess.start(workDir, env);
    lastStarted = server;
    server.awaitLine("listening on 0.0.0.0:" + port, 30);
    return server;
  }

  /** /health, asked from another loopback address than the tests' clients. */
  private JsonObject health() {
    Http.Response response = new Http(vertx, port, "127.0.0.2").get("/health");
    assertThat(response.status()).as("/health: %s", response.body()).isEqualTo(200);
    return response.json();
  }

  private void awaitConnections(int expected) {
    new Http(vertx, port, "127.0.0.2")
        .await("/health", r -> r.json().getInteger("connections") == expected, "connections " + expected);
  }

  /** Creates a room, each from another loopback address (creations are rate-limited per address). */
  private void createRoom(String code) {
    Http.Response response = new Http(vertx, port, "127.0.1." + ++creations)
        .post("/api/rooms", new JsonObject().put("desired_room_code", code).encode());
    assertThat(response.status()).as("room creation: %s", response.body()).isEqualTo(200);
  }

  private WsClient joined(String room, String peer, boolean host) {
    WsClient client = WsClient.connect(vertx, port);
    client.join(room, peer, host);
    return client;
  }

  @Test
  void aPingFloodFromAClientThatNeverReadsEndsThatClientOnly() throws Exception {
    try (ServerProcess server = start(Map.of())) {
      createRoom("PING01");
      try (WsClient sender = joined("PING01", "sender", true); WsClient receiver = joined("PING01", "receiver", false);
           RawWebSocket flooder = RawWebSocket.connect(port)) {
        sender.next("peer_joined");
        ByteArrayOutputStream batch = new ByteArrayOutputStream();
        byte[] payload = new byte[125];
        for (int i = 0; i < 512; i++) {
          batch.writeBytes(RawWebSocket.frame(RawWebSocket.OPCODE_PING, true, false, payload));
        }
        byte[] pings = batch.toByteArray();
        long sent = 0;
        try {
          while (sent < 45L * 1024 * 1024) { // never reading a pong
            flooder.sendRaw(pings);
            sent += pings.length;
          }
        } catch (IOException closedByTheServer) {
          // expected once it is closed
        }
        server.awaitLine("too slow a receiver", 30);
        sender.send(Messages.broadcast("after the flood"));
        assertThat(receiver.next("data").getString("data")).isEqualTo("after the flood");
        awaitConnections(2);
        try (WsClient newcomer = joined("PING01", "newcomer", false)) {
          assertThat(sender.next("peer_joined").getJsonObject("peer").getString("id")).isEqualTo("newcomer");
        }
      }
    }
  }

  @ParameterizedTest(name = "{0} slow receivers")
  @ValueSource(ints = {2, 5})
  void slowReceiversAreClosedWith1013AndTheHonestSenderAndReceiverLoseNothing(int slowCount) throws Exception {
    try (ServerProcess server = start(Map.of())) {
      createRoom("SLOW01");
      List<RawWebSocket> slow = new ArrayList<>();
      try (WsClient sender = joined("SLOW01", "sender", true); WsClient reader = joined("SLOW01", "reader", false)) {
        sender.next("peer_joined");
        for (int i = 0; i < slowCount; i++) {
          RawWebSocket stuck = RawWebSocket.connect(port);
          slow.add(stuck);
          stuck.sendText(Messages.join("SLOW01", "slow" + i, false).encode()); // and never reads again
          assertThat(sender.next("peer_joined").getJsonObject("peer").getString("id")).isEqualTo("slow" + i);
          reader.next("peer_joined");
        }
        String payload = "z".repeat(256 * 1024);
        Set<String> left = new HashSet<>();
        for (int i = 0; left.size() < slowCount; i++) {
          assertThat(i).as("messages relayed before every slow receiver was closed").isLessThan(600);
          sender.send(Messages.broadcast(payload + i));
          JsonObject relayed = reader.next();
          while ("peer_left".equals(relayed.getString("type"))) {
            left.add(relayed.getString("peer_id"));
            relayed = reader.next();
          }
          assertThat(relayed.getString("data")).isEqualTo(payload + i); // every one, in order
        }
        assertThat(sender.isClosed()).isFalse();
        assertThat(reader.isClosed()).isFalse();
        for (RawWebSocket stuck : slow) {
          assertThat(closeCodeAfterWhatWasQueued(stuck)).isEqualTo(1013);
        }
        assertThat(server.output()).contains("too slow a receiver");
        awaitConnections(2);
      } finally {
        for (RawWebSocket stuck : slow) {
          stuck.close();
        }
      }
    }
  }

  /** Reads what reached a slow receiver before its close frame (a bounded amount), then the close code. */
  private static int closeCodeAfterWhatWasQueued(RawWebSocket socket) throws IOException {
    long read = 0;
    while (true) {
      RawWebSocket.Frame frame = socket.readFrame();
      if (frame.opcode() == RawWebSocket.OPCODE_CLOSE) {
        assertThat(read).as("bytes ahead of the close frame").isLessThan(8L * 1024 * 1024);
        return frame.closeCode();
      }
      read += frame.payload().length;
    }
  }

  @Test
  void fiftyDeflateBombsAreEachRefusedWith1009AndTheAddressCanStillConnect() throws Exception {
    byte[] bomb = deflated(1024L * 1024 * 1024); // 1 GiB of zeros in about 1 MB
    try (ServerProcess server = start(Map.of("WS_COMPRESSION", "true"))) {
      for (int i = 0; i < 50; i++) {
        try (RawWebSocket client = RawWebSocket.connect(port, "Sec-WebSocket-Extensions: permessage-deflate\r\n")) {
          client.sendRaw(RawWebSocket.frame(RawWebSocket.OPCODE_TEXT, true, true, bomb));
          RawWebSocket.Frame error = client.readFrame();
          String text = error.compressed() ? RawWebSocket.inflatedText(error) : error.text();
          assertThat(new JsonObject(text).getString("message")).startsWith("Message too large");
          assertThat(client.readFrame().closeCode()).isEqualTo(1009);
        }
      }
      awaitConnections(0);
      createRoom("BOMB01");
      try (WsClient honest = WsClient.connect(vertx, port, true)) {
        honest.join("BOMB01", "honest", true); // the same address: no count leaked
      }
      assertThat(server.output()).doesNotContain("OutOfMemoryError");
    }
  }

  private static byte[] deflated(long zeros) {
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
    byte[] input = new byte[1024 * 1024];
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[64 * 1024];
    for (long done = 0; done < zeros; done += input.length) {
      deflater.setInput(input);
      while (!deflater.needsInput()) {
        out.write(buffer, 0, deflater.deflate(buffer));
      }
    }
    int n;
    while ((n = deflater.deflate(buffer, 0, buffer.length, Deflater.SYNC_FLUSH)) > 0) {
      out.write(buffer, 0, n);
    }
    deflater.end();
    byte[] all = out.toByteArray();
    return java.util.Arrays.copyOf(all, all.length - 4); // RFC 7692: without the 00 00 ff ff tail
  }

  /**
   * Two hosts (one per event loop, as the container's two cores give) sync a document of the default
   * MAX_MESSAGE_BYTES at the same moment; each reaches its room's guest and a late joiner. One byte
   * more is refused: the default is what the container's heap provably holds (docs/memory.md).
   */
  @Test
  void documentsOfMaxMessageBytesAreRelayedTwoAtATime() throws Exception {
    int limit = Integer.getInteger("probe.limit", 4 * 1024 * 1024); // the default (a probe may try others)
    String envelope = Messages.syncDocument("").encode();
    // ASCII with one Thai letter: as a Java string, two bytes a character, the most heap per byte
    String document = "ก" + "t".repeat(limit - envelope.length() - 3);
    assertThat(Messages.syncDocument(document).encode().getBytes(StandardCharsets.UTF_8)).hasSize(limit);
    Map<String, String> settings = System.getProperty("probe.limit") == null
        ? Map.of() : Map.of("MAX_MESSAGE_BYTES", Integer.toString(limit));
    try (ServerProcess server = start(settings)) {
      createRoom("BIG001");
      createRoom("BIG002");
      try (WsClient host1 = joined("BIG001", "host", true); WsClient guest1 = joined("BIG001", "guest", false);
           WsClient host2 = joined("BIG002", "host", true); WsClient guest2 = joined("BIG002", "guest", false)) {
        host1.next("peer_joined");
        host2.next("peer_joined");
        host1.send(Messages.syncDocument(document));
        host2.send(Messages.syncDocument(document));
        for (WsClient guest : List.of(guest1, guest2)) {
          JsonObject relayed = guest.next();
          assertThat(relayed.getString("type")).as("server output:%n%s", server.output()).isEqualTo("document_sync");
          assertThat(relayed.getString("document")).isEqualTo(document);
        }
        try (WsClient late = WsClient.connect(vertx, port)) {
          late.send(Messages.join("BIG001", "late", false));
          late.next("room_info");
          late.next("connected");
          assertThat(late.next("document_sync").getString("document")).isEqualTo(document);
        }
        assertThat(host1.next("peer_joined").getJsonObject("peer").getString("id")).isEqualTo("late");
        assertThat(host1.next("peer_left").getString("peer_id")).isEqualTo("late");
        host1.send(Messages.syncDocument(document + "t"));
        host1.expectError("Message too large: at most " + limit + " bytes");
      }
      assertThat(server.output()).doesNotContain("OutOfMemoryError");
    }
  }

  /**
   * The app's everyday case, which the budget must never mistake for abuse: a 2 MiB task list synced
   * to a room of 20, three times in a row. Every receiver charges the shared frame (120 MiB of charges
   * at worst, four times the budget), but the memory really held is a few copies of it.
   */
  @Test
  void aDocumentToTwentyReceiversReachesEveryOneOfThemEveryTime() throws Exception {
    String document = "{\"tasks\":\"" + "t".repeat(2 * 1024 * 1024) + "\"}";
    List<WsClient> receivers = new ArrayList<>();
    try (ServerProcess server = start(Map.of())) {
      createRoom("TWENTY");
      try (WsClient host = joined("TWENTY", "host", true)) {
        for (int i = 0; i < 20; i++) {
          receivers.add(joined("TWENTY", "r" + i, false));
        }
        for (int round = 0; round < 3; round++) {
          host.send(Messages.syncDocument(document + round));
          for (WsClient receiver : receivers) {
            JsonObject message;
            do {
              message = receiver.next();
            } while ("peer_joined".equals(message.getString("type")));
            assertThat(message.getString("type")).as("server output:%n%s", server.output()).isEqualTo("document_sync");
            assertThat(message.getString("document")).isEqualTo(document + round);
          }
        }
        assertThat(server.output()).doesNotContain("too slow a receiver");
      } finally {
        receivers.forEach(WsClient::close);
      }
    }
  }

  /**
   * Eight rooms, each with a document of MAX_MESSAGE_BYTES held for its peers: twice the heap if every
   * text stayed in memory. DOCUMENT_MEMORY_BYTES lets the least recently used go; a late joiner of the
   * first room still gets its document, from the store.
   */
  @Test
  void documentsOfManyRoomsStayWithinTheDocumentMemory() throws Exception {
    int limit = 4 * 1024 * 1024;
    String envelope = Messages.syncDocument("").encode();
    List<WsClient> clients = new ArrayList<>();
    try (ServerProcess server = start(Map.of())) {
      try {
        for (int room = 0; room < 8; room++) {
          String code = "MANY0" + room;
          createRoom(code);
          WsClient host = joined(code, "host", true);
          WsClient guest = joined(code, "guest", false);
          clients.add(host);
          clients.add(guest);
          host.next("peer_joined");
          String document = "ก" + (char) ('a' + room) + "t".repeat(limit - envelope.length() - 4);
          host.send(Messages.syncDocument(document));
          JsonObject relayed = guest.next();
          assertThat(relayed.getString("type")).as("room %d; server output:%n%s", room, server.output())
              .isEqualTo("document_sync");
          assertThat(relayed.getString("document")).isEqualTo(document);
        }
        try (WsClient late = WsClient.connect(vertx, port)) {
          late.send(Messages.join("MANY00", "late", false));
          late.next("room_info");
          late.next("connected");
          assertThat(late.next("document_sync").getString("document"))
              .startsWith("กa").hasSize(limit - envelope.length() - 2);
        }
      } finally {
        clients.forEach(WsClient::close);
      }
      assertThat(server.output()).doesNotContain("OutOfMemoryError");
    }
  }

  /**
   * Messages under MAX_MESSAGE_BYTES that would cost many times their size as a tree: a million empty
   * objects in a field the protocol does not know, and as a join's metadata. Each is answered; the
   * server holds no tree of them.
   */
  @Test
  void aMillionEmptyObjectsInOneMessageAreAnsweredWithoutATree() throws Exception {
    String objects = "{}," .repeat(1_300_000) + "{}";
    try (ServerProcess server = start(Map.of())) {
      createRoom("TREE01");
      try (WsClient client = WsClient.connect(vertx, port)) {
        client.sendText("{\"action\":\"ping\",\"x\":[" + objects + "]}");
        client.next("pong");
        client.sendText("{\"action\":\"join\",\"room_code\":\"TREE01\",\"peer_id\":\"p\",\"metadata\":[" + objects + "]}");
        client.expectError("Metadata too large: at most 4096 bytes");
        client.join("TREE01", "p", true);
      }
      assertThat(server.output()).doesNotContain("OutOfMemoryError");
    }
  }

  @Test
  void twentyThousandHalfOpenHttpConnectionsFromOneAddressAreCappedAndTimedOut() throws Exception {
    try (ServerProcess server = start(Map.of())) {
      List<SocketChannel> open = new ArrayList<>();
      ByteBuffer partial = ByteBuffer.wrap("GET /health HTTP/1.1\r\nHost: test\r\n".getBytes(StandardCharsets.US_ASCII));
      try {
        for (int i = 0; i < 20_000; i++) {
          SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
          channel.write(partial.duplicate());
          channel.configureBlocking(false);
          open.add(channel);
          if (open.size() >= 1_000) {
            dropThoseTheServerClosed(open); // keeps the test's own file descriptors bounded
          }
        }
        // those over the cap are closed as soon as they are accepted; the rest within the header timeout
        Await.until("at most 256 connections held", () -> dropThoseTheServerClosed(open) <= 256);
        assertThat(health().getString("status")).isEqualTo("healthy"); // another address is served meanwhile
        Await.until("every half-open connection closed by the header timeout", () -> dropThoseTheServerClosed(open) == 0);
        createRoom("HALF01"); // and 127.0.0.1 is served again
      } finally {
        for (SocketChannel channel : open) {
          channel.close();
        }
      }
      assertThat(server.output()).doesNotContain("Too many open files");
    }
  }

  /** Closes and removes every channel whose other end the server closed; answers how many are left. */
  private static int dropThoseTheServerClosed(List<SocketChannel> channels) throws IOException {
    ByteBuffer sink = ByteBuffer.allocate(512);
    for (var it = channels.iterator(); it.hasNext(); ) {
      SocketChannel channel = it.next();
      sink.clear();
      int n;
      try {
        n = channel.read(sink);
      } catch (IOException reset) {
        n = -1;
      }
      if (n < 0) {
        channel.close();
        it.remove();
      }
    }
    return channels.size();
  }
}
