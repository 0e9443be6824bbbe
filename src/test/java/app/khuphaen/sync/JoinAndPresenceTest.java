package app.khuphaen.sync;

import app.khuphaen.sync.support.LogCapture;
import app.khuphaen.sync.support.Messages;
import app.khuphaen.sync.support.RawWebSocket;
import app.khuphaen.sync.support.ServerTest;
import app.khuphaen.sync.support.WsClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class JoinAndPresenceTest extends ServerTest {

  private static List<String> ids(JsonArray peers) {
    return peers.stream().map(p -> ((JsonObject) p).getString("id")).toList();
  }

  @Test
  void joinerGetsRoomInfoConnectedDocumentThenItsOwnPeerJoined() {
    JsonObject room = server.createRoom("ORDER1");
    try (WsClient host = server.connect(); WsClient guest = server.connect()) {
      host.join("ORDER1", "host-peer", true);
      host.send(Messages.syncDocument("{\"tasks\":[]}"));
      host.expectNothingPending();

      guest.send(Messages.join("order1", "guest-peer", false).put("metadata", new JsonObject().put("name", "Guest")));
      JsonObject info = guest.next("room_info");
      assertThat(info.getString("room_code")).isEqualTo("ORDER1");
      assertThat(info.getString("host_id")).isEqualTo(room.getString("host_id"));
      assertThat(ids(info.getJsonArray("peers"))).containsExactlyInAnyOrder("host-peer", "guest-peer");
      JsonObject connected = guest.next("connected");
      assertThat(connected.getString("peer_id")).isEqualTo("guest-peer");
      assertThat(connected.getString("room_code")).isEqualTo("ORDER1");
      assertThat(guest.next("document_sync").getString("document")).isEqualTo("{\"tasks\":[]}");
      JsonObject self = guest.next("peer_joined").getJsonObject("peer");
      assertThat(self.getString("id")).isEqualTo("guest-peer");
      assertThat(self.getBoolean("is_host")).isFalse();
      assertThat(self.getJsonObject("metadata")).isEqualTo(new JsonObject().put("name", "Guest"));
      guest.expectNothingPending();

      JsonObject seenByHost = host.next("peer_joined").getJsonObject("peer");
      assertThat(seenByHost.getString("id")).isEqualTo("guest-peer");
      host.expectNothingPending();
    }
  }

  @Test
  void roomWithoutDocumentSendsNoDocumentSyncOnJoin() {
    server.createRoom("NODOC1");
    try (WsClient peer = server.connect()) {
      peer.send(Messages.join("NODOC1", "p1", false));
      peer.next("room_info");
      peer.next("connected");
      peer.next("peer_joined");
      peer.send(Messages.action("request_sync"));
      assertThat(peer.next("document_sync").getString("document")).isEmpty();
    }
  }

  @Test
  void unknownRoomAnswersRoomNotFoundAndKeepsTheSocketOpen() {
    try (WsClient peer = server.connect()) {
      peer.send(Messages.join("GHOST1", "p1", true));
      peer.expectError("Room not found");
      peer.send(Messages.join("bad code!", "p1", true));
      peer.expectError("Room not found");
      peer.expectNothingPending();
      assertThat(peer.isClosed()).isFalse();
      // still usable: once the room exists, the same socket joins it
      server.createRoom("GHOST1");
      peer.join("GHOST1", "p1", true);
    }
  }

  @Test
  void actionsOutsideARoomAnswerNotInARoomButPingWorks() {
    try (WsClient peer = server.connect()) {
      peer.send(Messages.broadcast("hello"));
      peer.expectError("Not in a room");
      peer.send(Messages.syncDocument("doc"));
      peer.expectError("Not in a room");
      peer.send(Messages.action("request_sync"));
      peer.expectError("Not in a room");
      peer.send(Messages.action("ping"));
      assertThat(peer.next()).isEqualTo(new JsonObject().put("type", "pong"));
    }
  }

  @Test
  void leaveTellsTheOthersAndClosesTheSocket() {
    server.createRoom("LEAVE1");
    try (WsClient a = server.connect(); WsClient b = server.connect()) {
      a.join("LEAVE1", "a", true);
      b.join("LEAVE1", "b", false);
      a.next("peer_joined");
      b.send(Messages.action("leave"));
      assertThat(a.next("peer_left").getString("peer_id")).isEqualTo("b");
      assertThat(b.awaitClose()).isEqualTo((short) 1000);
      assertThat(ids(server.http.get("/api/rooms/LEAVE1").json().getJsonArray("peers"))).containsExactly("a");
    }
  }

  @Test
  void closeFrameAndDroppedConnectionBothRemoveThePeer() throws Exception {
    server.createRoom("DROP01");
    try (WsClient watcher = server.connect()) {
      watcher.join("DROP01", "watcher", true);

      WsClient polite = server.connect();
      polite.join("DROP01", "polite", false);
      watcher.next("peer_joined");
      polite.close();
      assertThat(watcher.next("peer_left").getString("peer_id")).isEqualTo("polite");

      try (RawWebSocket crashed = RawWebSocket.connect(server.port)) {
        crashed.sendText(Messages.join("DROP01", "crashed", false).encode());
        assertThat(watcher.next("peer_joined").getJsonObject("peer").getString("id")).isEqualTo("crashed");
      } // TCP closed without a close frame
      assertThat(watcher.next("peer_left").getString("peer_id")).isEqualTo("crashed");
      assertThat(server.http.get("/api/rooms/DROP01").json().getInteger("peer_count")).isEqualTo(1);
    }
  }

  @Test
  void joiningAnotherRoomLeavesTheFirst() {
    server.createRoom("FIRST1");
    server.createRoom("SECOND");
    try (WsClient mover = server.connect(); WsClient stayer = server.connect()) {
      stayer.join("FIRST1", "stayer", true);
      mover.join("FIRST1", "mover", false);
      stayer.next("peer_joined");

      JsonObject info = mover.join("SECOND", "mover", false);
      assertThat(ids(info.getJsonArray("peers"))).containsExactly("mover");
      assertThat(stayer.next("peer_left").getString("peer_id")).isEqualTo("mover");
      assertThat(server.http.get("/api/rooms/FIRST1").json().getInteger("peer_count")).isEqualTo(1);

      // the mover now only hears SECOND
      stayer.send(Messages.broadcast("only for FIRST1"));
      stayer.expectNothingPending();
      mover.expectNothingPending();
    }
  }

  @Test
  void onePeerOnSeveralSocketsIsListedOnceAndLeavesWithItsLastSocket() {
    server.createRoom("TABS01");
    try (WsClient other = server.connect(); WsClient tab1 = server.connect(); WsClient tab2 = server.connect()) {
      other.join("TABS01", "other", true);
      tab1.join("TABS01", "alice", false);
      assertThat(other.next("peer_joined").getJsonObject("peer").getString("id")).isEqualTo("alice");

      tab2.send(Messages.join("TABS01", "alice", false).put("metadata", "newest"));
      JsonObject info = tab2.next("room_info");
      assertThat(ids(info.getJsonArray("peers"))).containsExactlyInAnyOrder("other", "alice");
      tab2.next("connected");
      tab2.next("peer_joined");
      // peer_joined goes out on every join, to the peer's other socket too
      assertThat(other.next("peer_joined").getJsonObject("peer").getString("metadata")).isEqualTo("newest");
      assertThat(tab1.next("peer_joined").getJsonObject("peer").getString("id")).isEqualTo("alice");

      JsonObject rest = server.http.get("/api/rooms/TABS01").json();
      assertThat(rest.getInteger("peer_count")).isEqualTo(2);
      JsonObject alice = rest.getJsonArray("peers").stream().map(JsonObject.class::cast)
          .filter(p -> p.getString("id").equals("alice")).findFirst().orElseThrow();
      assertThat(alice.getString("metadata")).isEqualTo("newest");

      tab1.close();
      other.expectNothingPending(); // no peer_left: alice is still here on tab2
      assertThat(server.http.get("/api/rooms/TABS01").json().getInteger("peer_count")).isEqualTo(2);

      // the remaining tab still receives the room
      other.send(Messages.broadcast("to alice"));
      assertThat(tab2.next("data").getString("data")).isEqualTo("to alice");

      tab2.close();
      assertThat(other.next("peer_left").getString("peer_id")).isEqualTo("alice");
    }
  }

  @Test
  void concurrentJoinersNeverHearOfPeersTheirRoomInfoAlreadyListed() {
    server.createRoom("RUSH01");
    int joiners = 24;
    java.util.List<WsClient> clients = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < joiners; i++) {
        clients.add(server.connect());
      }
      for (int i = 0; i < joiners; i++) {
        clients.get(i).send(Messages.join("RUSH01", "j" + i, i == 0));
      }
      java.util.Set<String> everyone = new java.util.HashSet<>();
      for (int i = 0; i < joiners; i++) {
        WsClient client = clients.get(i);
        JsonObject info = client.next("room_info");
        java.util.Set<String> known = new java.util.HashSet<>(ids(info.getJsonArray("peers")));
        assertThat(known).contains("j" + i);
        client.next("connected");
        assertThat(client.next("peer_joined").getJsonObject("peer").getString("id")).isEqualTo("j" + i);
        client.send(Messages.action("ping"));
        JsonObject next;
        while (!"pong".equals((next = client.next()).getString("type"))) {
          String joined = next.getJsonObject("peer").getString("id");
          assertThat(known).as("j%d was told of %s, already in its room_info", i, joined).doesNotContain(joined);
          known.add(joined);
        }
        everyone.add("j" + i);
      }
      assertThat(server.http.get("/api/rooms/RUSH01").json().getInteger("peer_count")).isEqualTo(joiners);
    } finally {
      clients.forEach(WsClient::close);
    }
  }

  /**
   * Sockets that drop while their room is busy are logged as gone, not as slow receivers: between a
   * connection's end and Netty telling the session, a frame for it finds the channel closed (which
   * Netty reports as "not writable").
   */
  @Test
  void socketsDroppingInABusyRoomAreNotLoggedAsSlowReceivers() throws Exception {
    server.createRoom("BYE001");
    try (LogCapture log = new LogCapture(org.slf4j.Logger.ROOT_LOGGER_NAME);
         WsClient sender = server.connect(); WsClient stays = server.connect()) {
      sender.join("BYE001", "sender", true);
      stays.join("BYE001", "stays", false);
      java.util.List<RawWebSocket> dropping = new java.util.ArrayList<>();
      java.util.Set<String> ids = new java.util.HashSet<>();
      for (int i = 0; i < 20; i++) {
        RawWebSocket raw = RawWebSocket.connect(server.port);
        raw.sendText(Messages.join("BYE001", "d" + i, false).encode());
        raw.readFrame(); // room_info: it is in the room
        dropping.add(raw);
        ids.add("d" + i);
      }
      String data = Messages.broadcast("x".repeat(1000)).encode();
      for (int i = 0; i < 500; i++) {
        sender.trySendText(data);
        if (i == 250) {
          for (RawWebSocket raw : dropping) {
            raw.close(); // no close frame, in the middle of the traffic
          }
        }
      }
      stays.awaitPeersLeft(ids);
      assertThat(log.lines()).noneMatch(line -> line.contains("bytes waiting"));
    }
  }
}
