package app.khuphaen.sync.hardening;

import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.support.Http;
import app.khuphaen.sync.support.Messages;
import app.khuphaen.sync.support.RawWebSocket;
import app.khuphaen.sync.support.TestServer;
import app.khuphaen.sync.support.WsClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Each limit of "Limits and security", enforced with a clear answer and no partial state. */
class LimitsTest {

  @Test
  void aMessageOverMaxMessageBytesIsRefusedWith1009() {
    try (TestServer server = TestServer.start(new JsonObject().put(Settings.MAX_MESSAGE_BYTES, 4096));
         WsClient client = server.connect()) {
      client.send(Messages.broadcast("x".repeat(3000))); // under the limit: an ordinary answer
      client.expectError("Not in a room");
      client.sendText("{\"action\":\"broadcast\",\"data\":\"" + "x".repeat(5000) + "\"}");
      client.expectError("Message too large: at most 4096 bytes");
      assertThat(client.awaitClose()).isEqualTo((short) 1009);
    }
  }

  @Test
  void sendersOfMoreThanTheIncomingBudgetAtOnceWaitTheirTurnAndEveryMessageArrivesWhole() {
    int max = 256 * 1024;
    try (TestServer server = TestServer.start(new JsonObject()
        .put(Settings.MAX_MESSAGE_BYTES, max).put(Settings.INCOMING_BUFFER_BYTES, max))) {
      java.util.List<WsClient[]> rooms = new java.util.ArrayList<>();
      try {
        for (int r = 0; r < 6; r++) {
          String code = "WAIT0" + r;
          server.createRoom(code);
          WsClient host = server.connect();
          WsClient guest = server.connect();
          rooms.add(new WsClient[] {host, guest});
          host.join(code, "host", true);
          guest.join(code, "guest", false);
          host.next("peer_joined");
        }
        // six messages of nearly the whole budget at once: one is read at a time, the others wait
        for (int r = 0; r < rooms.size(); r++) {
          rooms.get(r)[0].send(Messages.syncDocument(r + "ก".repeat((max - 200) / 3)));
        }
        for (int r = 0; r < rooms.size(); r++) {
          assertThat(rooms.get(r)[1].next("document_sync").getString("document"))
              .isEqualTo(r + "ก".repeat((max - 200) / 3));
          rooms.get(r)[0].send(Messages.action("ping"));
          rooms.get(r)[0].next("pong"); // the sender is still connected
        }
      } finally {
        rooms.forEach(room -> {
          room[0].close();
          room[1].close();
        });
      }
    }
  }

  @Test
  void maxMessageBytesMustFitTheIncomingBudget() {
    assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> Settings.from(new JsonObject()
        .put(Settings.MAX_MESSAGE_BYTES, 2048).put(Settings.INCOMING_BUFFER_BYTES, 1024))))
        .hasMessage("Invalid setting MAX_MESSAGE_BYTES=2048: expected at most INCOMING_BUFFER_BYTES (1024), "
            + "or a message that large could never be read (a larger MEMORY_LIMIT_BYTES raises it)");
  }

  @Test
  void metadataAndDataAreCapped() {
    try (TestServer server = TestServer.start(new JsonObject()
        .put(Settings.MAX_METADATA_BYTES, 100).put(Settings.MAX_DATA_BYTES, 1000));
         WsClient a = server.connect(); WsClient b = server.connect()) {
      server.createRoom("CAPS01");
      a.join("CAPS01", "a", true);

      b.send(Messages.join("CAPS01", "b", false).put("metadata", new JsonObject().put("bio", "ก".repeat(40))));
      b.expectError("Metadata too large: at most 100 bytes"); // 40 Thai letters are 120 bytes
      assertThat(server.http.get("/api/rooms/CAPS01").json().getInteger("peer_count")).isEqualTo(1);
      b.send(Messages.join("CAPS01", "b", false).put("metadata", new JsonObject().put("bio", "ok")));
      b.next("room_info");
      b.next("connected");
      b.next("peer_joined");
      a.next("peer_joined");

      a.send(Messages.broadcast("y".repeat(1001)));
      a.expectError("Data too large: at most 1000 bytes");
      a.send(Messages.broadcast("y".repeat(1000)));
      assertThat(b.next("data").getString("data")).hasSize(1000); // the refused one was never relayed
    }
  }

  @Test
  void peersPerRoomAreCappedButAnotherTabOfAPeerIsNotANewPeer() {
    try (TestServer server = TestServer.start(new JsonObject().put(Settings.MAX_PEERS_PER_ROOM, 2));
         WsClient a = server.connect(); WsClient b = server.connect(); WsClient c = server.connect();
         WsClient bTab = server.connect()) {
      server.createRoom("FULL01");
      a.join("FULL01", "a", true);
      b.join("FULL01", "b", false);
      c.send(Messages.join("FULL01", "c", false));
      c.expectError("Room is full");
      bTab.join("FULL01", "b", false);
      assertThat(server.http.get("/api/rooms/FULL01").json().getInteger("peer_count")).isEqualTo(2);
      c.send(Messages.broadcast("am I in?"));
      c.expectError("Not in a room");
    }
  }

  @Test
  void roomsPerServerAreCapped() {
    try (TestServer server = TestServer.start(new JsonObject().put(Settings.MAX_ROOMS, 2))) {
      server.createRoom("ROOM01");
      server.createRoom("ROOM02");
      Http.Response third = server.httpFrom("127.0.0.9").post("/api/rooms", null);
      assertThat(third.status()).isEqualTo(503);
      assertThat(third.json().getString("error")).isEqualTo("Room limit reached");
      assertThat(server.http.get("/health").json().getInteger("rooms")).isEqualTo(2);
      // an existing room can still be "restored"
      assertThat(server.httpFrom("127.0.0.9").post("/api/rooms", "{\"desired_room_code\":\"ROOM01\"}").json()
          .getBoolean("restored")).isTrue();
    }
  }

  @Test
  void connectionsPerAddressAreCapped() {
    try (TestServer server = TestServer.start(new JsonObject().put(Settings.MAX_CONNECTIONS_PER_IP, 2));
         WsClient first = server.connect(); WsClient second = server.connect()) {
      WsClient third = server.connect();
      third.expectError("Too many connections from your address");
      assertThat(third.awaitClose()).isEqualTo((short) 1008);
      third.close();
      first.close();
      second.expectNothingPending();
      // a freed place can be taken again (the count drops once the server has seen the close)
      server.http.await("/health", r -> r.json().getInteger("connections") <= 1, "one connection left");
      try (WsClient again = server.connect()) {
        again.expectNothingPending();
      }
    }
  }

  /**
   * 100,000 messages at once with every default: the bucket refills a token each millisecond, so the
   * flood alternates admitted and refused messages; it is still closed, once MESSAGE_BURST refusals
   * fall within RATE_ABUSE_WINDOW_SECONDS.
   */
  @Test
  void aFloodOfAHundredThousandMessagesIsClosedWith1008() {
    try (TestServer server = TestServer.start(); WsClient client = server.connect()) {
      String ping = Messages.action("ping").encode();
      for (int i = 0; i < 100_000 && !client.isClosed(); i++) {
        client.trySendText(ping);
      }
      assertThat(client.awaitCloseDiscarding()).isEqualTo((short) 1008);
    }
  }

  @Test
  void theMessageRateIsLimitedAndAPersistentFloodIsClosedWith1008() {
    try (TestServer server = TestServer.start(new JsonObject()
        .put(Settings.MESSAGE_RATE_PER_SECOND, 1).put(Settings.MESSAGE_BURST, 3));
         WsClient client = server.connect()) {
      for (int i = 0; i < 4; i++) {
        client.send(Messages.action("ping"));
      }
      client.next("pong");
      client.next("pong");
      client.next("pong");
      client.expectError("Rate limit exceeded");
      for (int i = 0; i < 10 && !client.isClosed(); i++) {
        client.trySend(Messages.action("ping"));
      }
      assertThat(client.awaitCloseDiscarding()).isEqualTo((short) 1008);
    }
  }

  @Test
  void aReceiverThatStopsReadingIsClosedWith1013WithoutStallingTheOthers() {
    try (TestServer server = TestServer.start(new JsonObject().put(Settings.OUTBOUND_QUEUE_BYTES, 256 * 1024));
         WsClient sender = server.connect(); WsClient reader = server.connect(); WsClient stuck = server.connect()) {
      server.createRoom("SLOW01");
      sender.join("SLOW01", "sender", true);
      reader.join("SLOW01", "reader", false);
      stuck.join("SLOW01", "stuck", false);
      sender.next("peer_joined");
      sender.next("peer_joined");
      reader.next("peer_joined");
      stuck.pause();

      String payload = "z".repeat(16 * 1024);
      int sent = 0;
      JsonObject left = null;
      while (left == null) {
        assertThat(sent).as("messages sent before the stuck receiver was dropped").isLessThan(1900);
        sender.send(Messages.broadcast(payload + sent));
        sent++;
        JsonObject relayed = reader.next();
        if ("peer_left".equals(relayed.getString("type"))) {
          relayed = reader.next(); // the reader hears of the stuck peer too
        }
        assertThat(relayed.getString("data")).isEqualTo(payload + (sent - 1)); // never stalled
        left = sender.poll();
      }
      assertThat(left.getString("type")).isEqualTo("peer_left");
      assertThat(left.getString("peer_id")).isEqualTo("stuck");
      assertThat(server.http.get("/api/rooms/SLOW01").json().getInteger("peer_count")).isEqualTo(2);

      stuck.resume();
      assertThat(stuck.awaitCloseDiscarding()).isEqualTo((short) 1013);
    }
  }

  @Test
  void deadConnectionsAreClosedAndLiveIdleOnesKept() throws Exception {
    try (TestServer server = TestServer.start(new JsonObject()
        .put(Settings.WS_PING_INTERVAL_SECONDS, 1).put(Settings.WS_IDLE_TIMEOUT_SECONDS, 2));
         WsClient live = server.connect()) {
      server.createRoom("DEAD01");
      live.join("DEAD01", "live", true);
      try (RawWebSocket dead = RawWebSocket.connect(server.port)) {
        dead.sendText(Messages.join("DEAD01", "dead", false).encode());
        assertThat(live.next("peer_joined").getJsonObject("peer").getString("id")).isEqualTo("dead");
        // the raw client never answers pings nor sends anything: gone after the idle timeout
        long start = System.nanoTime();
        assertThat(live.next("peer_left").getString("peer_id")).isEqualTo("dead");
        assertThat((System.nanoTime() - start) / 1e9).isBetween(1.0, 5.0);
      }
      // the live client answered every ping (Vert.x does) and stays, though it sent nothing itself
      assertThat(live.isClosed()).isFalse();
      live.expectNothingPending();
    }
  }
}
