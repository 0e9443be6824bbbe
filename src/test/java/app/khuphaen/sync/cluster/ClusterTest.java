package app.khuphaen.sync.cluster;

import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.room.IdleSweeper;
import app.khuphaen.sync.support.Await;
import app.khuphaen.sync.support.LogCapture;
import app.khuphaen.sync.support.Messages;
import app.khuphaen.sync.support.TestCluster;
import app.khuphaen.sync.support.TestServer;
import app.khuphaen.sync.support.WsClient;
import app.khuphaen.sync.support.Http;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Three clustered nodes in this JVM behaving as one server. Needs PostgreSQL (skipped without). */
class ClusterTest {
  private static final int NODES = 3;
  private static final String ADMIN_TOKEN = "cluster-operator-0123456789";
  private static TestCluster cluster;

  @BeforeAll
  static void startCluster() {
    cluster = TestCluster.start(NODES, new JsonObject()
        .put(Settings.ADMIN_TOKEN, ADMIN_TOKEN)
        .put(Settings.ROOM_IDLE_TIMEOUT_SECONDS, 2)
        .put(Settings.SWEEP_INTERVAL_SECONDS, 1));
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static TestServer node(int i) {
    return cluster.node(i);
  }

  private static List<String> ids(JsonArray peers) {
    return peers.stream().map(p -> ((JsonObject) p).getString("id")).toList();
  }

  @Test
  void peersOnDifferentNodesSeeEachOtherJoinAndLeave() {
    node(0).createRoom("XPRES1");
    try (WsClient a = node(0).connect(); WsClient b = node(1).connect(); WsClient c = node(2).connect()) {
      a.join("XPRES1", "a", true);
      b.join("XPRES1", "b", false);
      assertThat(a.next("peer_joined").getJsonObject("peer").getString("id")).isEqualTo("b");
      JsonObject info = c.join("XPRES1", "c", false);
      assertThat(ids(info.getJsonArray("peers"))).containsExactlyInAnyOrder("a", "b", "c");
      assertThat(a.next("peer_joined").getJsonObject("peer").getString("id")).isEqualTo("c");
      assertThat(b.next("peer_joined").getJsonObject("peer").getString("id")).isEqualTo("c");
      for (int i = 0; i < 3; i++) {
        JsonObject rest = node(i).http.get("/api/rooms/XPRES1").json();
        assertThat(rest.getInteger("peer_count")).as("node %d", i).isEqualTo(3);
      }
      c.send(Messages.action("leave"));
      assertThat(a.next("peer_left").getString("peer_id")).isEqualTo("c");
      assertThat(b.next("peer_left").getString("peer_id")).isEqualTo("c");
    }
  }

  @Test
  void theAdminApiAnswersForTheWholeClusterFromAnyNodeAndDisconnectsAPeerWhereverItIs() {
    node(0).createRoom("XADMIN");
    Map<String, String> auth = Map.of("Authorization", "Bearer " + ADMIN_TOKEN);
    try (WsClient a = node(0).connect(); WsClient b = node(1).connect()) {
      a.join("XADMIN", "a", true);
      b.join("XADMIN", "b", false);
      a.next("peer_joined");
      for (int i = 0; i < NODES; i++) {
        JsonObject room = node(i).http.request(HttpMethod.GET, "/api/admin/rooms/XADMIN", null, auth).json().getJsonObject("room");
        assertThat(room.getInteger("peer_count")).as("node %d", i).isEqualTo(2);
        Map<String, String> nodeOfPeer = new HashMap<>();
        room.getJsonArray("peers").forEach(p -> nodeOfPeer.put(((JsonObject) p).getString("id"),
            ((JsonObject) p).getJsonArray("connections").getJsonObject(0).getString("node")));
        assertThat(nodeOfPeer).as("node %d", i).containsExactlyInAnyOrderEntriesOf(Map.of(
            "a", node(0).node.membership().nodeId(), "b", node(1).node.membership().nodeId()));
      }
      // asked of the third node, which has neither peer
      assertThat(node(2).http.request(HttpMethod.POST, "/api/admin/rooms/XADMIN/peers/b/disconnect", null, auth).status())
          .isEqualTo(200);
      b.expectError("Disconnected by the operator");
      assertThat(b.awaitClose()).isEqualTo((short) 4001);
      assertThat(a.next("peer_left").getString("peer_id")).isEqualTo("b");
      a.expectNothingPending();
    }
  }

  @Test
  void dataAndDocumentsCrossNodesAndLateJoinersAnywhereGetTheLatest() {
    node(0).createRoom("XDOCS1");
    try (WsClient host = node(0).connect(); WsClient guest = node(1).connect()) {
      host.join("XDOCS1", "host", true);
      guest.join("XDOCS1", "guest", false);
      host.next("peer_joined");

      host.send(Messages.broadcast("สวัสดี 👋"));
      assertThat(guest.next("data")).isEqualTo(new JsonObject().put("type", "data").put("from", "host").put("data", "สวัสดี 👋"));
      host.send(Messages.syncDocument("doc from node 0"));
      assertThat(guest.next("document_sync").getString("document")).isEqualTo("doc from node 0");
      guest.send(Messages.syncDocument("doc from node 1"));
      assertThat(host.next("document_sync").getString("document")).isEqualTo("doc from node 1");
      host.expectNothingPending();
      guest.expectNothingPending();

      // a late joiner on the node with no peers in the room, right after the sync
      try (WsClient late = node(2).connect()) {
        late.send(Messages.join("XDOCS1", "late", false));
        late.next("room_info");
        late.next("connected");
        assertThat(late.next("document_sync").getString("document")).isEqualTo("doc from node 1");
      }
      // and one on a node that has peers
      try (WsClient late = node(0).connect()) {
        late.send(Messages.join("XDOCS1", "late2", false));
        late.next("room_info");
        late.next("connected");
        assertThat(late.next("document_sync").getString("document")).isEqualTo("doc from node 1");
      }
    }
  }

  /**
   * The race a clustered event bus invites: a joiner on a node that had nobody in the room, then a
   * frame from a peer on another node that has just seen the joiner's peer_joined, and one from the
   * joiner right after its connected. 200 fresh rooms, every ordered pair of nodes; not one may be lost.
   */
  @Test
  void aJoinerOnAnyNodeGetsEverythingSentAfterItsJoin() {
    int[][] pairs = {{0, 1}, {1, 0}, {0, 2}, {2, 0}, {1, 2}, {2, 1}};
    for (int round = 0; round < 200; round++) {
      TestServer first = node(pairs[round % pairs.length][0]);
      TestServer joinerNode = node(pairs[round % pairs.length][1]);
      String code = String.format("XJ%04d", round);
      first.createRoom(code);
      try (WsClient early = first.connect(); WsClient joiner = joinerNode.connect()) {
        early.join(code, "early", true);
        joiner.join(code, "joiner", false);
        assertThat(early.next("peer_joined").getJsonObject("peer").getString("id")).isEqualTo("joiner");
        early.send(Messages.broadcast("to the joiner " + round));
        joiner.send(Messages.broadcast("from the joiner " + round));
        assertThat(joiner.next("data").getString("data")).as("round %d", round).isEqualTo("to the joiner " + round);
        assertThat(early.next("data").getString("data")).as("round %d", round).isEqualTo("from the joiner " + round);
      }
    }
  }

  /**
   * Who has the latest document, right after a sync whose writer has gone: the node it was synced on
   * may still be writing it to the store while another node's joiner asks for it.
   */
  @Test
  void aJoinerRightAfterTheWriterLeftGetsTheDocumentItSynced() {
    for (int round = 0; round < 30; round++) {
      String code = String.format("XW%04d", round);
      node(0).createRoom(code);
      try (WsClient writer = node(round % 3).connect(); WsClient reader = node((round + 1) % 3).connect()) {
        writer.join(code, "writer", true);
        writer.send(Messages.syncDocument("doc " + round));
        writer.send(Messages.action("leave"));
        assertThat(writer.awaitClose()).isEqualTo((short) 1000);
        reader.send(Messages.join(code, "reader", false));
        reader.next("room_info");
        reader.next("connected");
        assertThat(reader.next("document_sync").getString("document")).as("round %d", round).isEqualTo("doc " + round);
      }
    }
  }

  /** The host's REST actions on a node where the room has no peers still reach its peers elsewhere. */
  @Test
  void hostActionsOnANodeWithoutPeersReachThePeersOnOtherNodes() {
    String key = node(0).createRoom("XHOST1").getString("host_key");
    try (WsClient host = node(0).connect(); WsClient guest = node(1).connect()) {
      host.join("XHOST1", "host", true);
      guest.join("XHOST1", "guest", false);
      host.next("peer_joined");
      for (String version : new String[] {"good", "bad"}) {
        host.send(Messages.syncDocument(version));
        assertThat(guest.next("document_sync").getString("document")).isEqualTo(version);
        node(2).http.await("/api/rooms/XHOST1/revisions", Http.hostAuthorization("XHOST1"), r -> r.json().getJsonArray("revisions").size() == (version.equals("good") ? 1 : 2),
            "revision of '" + version + "' stored");
      }
      Map<String, String> auth = Map.of("Authorization", "Bearer " + key);
      assertThat(node(2).http.request(HttpMethod.POST, "/api/rooms/XHOST1/revisions/1/restore", null, auth).status()).isEqualTo(200);
      assertThat(host.next("document_sync").getString("document")).isEqualTo("good");
      assertThat(guest.next("document_sync").getString("document")).isEqualTo("good");

      assertThat(node(2).http.request(HttpMethod.DELETE, "/api/rooms/XHOST1", null, auth).status()).isEqualTo(200);
      host.expectError("Room deleted");
      guest.expectError("Room deleted");
      for (int i = 0; i < 3; i++) {
        assertThat(node(i).http.get("/api/rooms/XHOST1").status()).as("node %d", i).isEqualTo(404);
      }
    }
  }

  /**
   * Membership changes of one room made at once on one node must not overwrite each other: the
   * room's lock has to exclude the node's own concurrent joins and leaves, not just other nodes'.
   */
  @Test
  void concurrentJoinsAndLeavesOnOneNodeKeepPresenceExact() {
    node(1).createRoom("XCONC1");
    try (WsClient anchor = node(1).connect()) {
      anchor.join("XCONC1", "anchor", true);
      List<WsClient> crowd = new java.util.ArrayList<>();
      // more at once than Vert.x has worker threads (20), which take the cluster's locks
      for (int i = 0; i < 45; i++) {
        crowd.add(node(0).connect());
      }
      for (int i = 0; i < crowd.size(); i++) {
        crowd.get(i).send(Messages.join("XCONC1", "p" + i, false)); // all at once, answers read below
      }
      for (WsClient client : crowd) {
        client.next("room_info");
      }
      java.util.Set<String> expected = new java.util.HashSet<>();
      for (int i = 0; i < crowd.size(); i++) {
        expected.add("p" + i);
      }
      expected.add("anchor");
      for (int i = 0; i < 3; i++) {
        assertThat(ids(node(i).http.get("/api/rooms/XCONC1").json().getJsonArray("peers"))).as("node %d", i)
            .containsExactlyInAnyOrderElementsOf(expected);
      }
      crowd.forEach(client -> client.trySend(Messages.action("leave")));
      crowd.forEach(client -> assertThat(client.awaitCloseDiscarding()).isEqualTo((short) 1000));
      anchor.awaitPeersLeft(new java.util.HashSet<>(expected.stream().filter(id -> !id.equals("anchor")).toList()));
      assertThat(ids(node(2).http.get("/api/rooms/XCONC1").json().getJsonArray("peers"))).containsExactly("anchor");
    }
  }

  /**
   * A joiner's answers come together whatever the room is sending: room_info, connected and its own
   * peer_joined, with no frame between, even when the peers on other nodes start sending to it as
   * soon as they have confirmed its join.
   */
  @Test
  void aJoinersOwnAnswersAreNotInterleavedWithTheRoomsTraffic() {
    node(0).createRoom("XBUSY1");
    try (WsClient sender = node(0).connect()) {
      sender.join("XBUSY1", "sender", true);
      String data = Messages.broadcast("traffic").encode();
      // a steady stream (500 frames/s, under the rate limit) for as long as the joins take
      java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
      io.vertx.core.Promise<Void> stopped = io.vertx.core.Promise.promise();
      node(0).vertx.setPeriodic(2, id -> {
        if (stop.get()) {
          node(0).vertx.cancelTimer(id);
          stopped.tryComplete();
        } else {
          sender.trySendText(data);
        }
      });
      try {
        for (int round = 0; round < 20; round++) {
          try (WsClient joiner = node(1 + round % 2).connect()) { // a node with nobody in the room
            joiner.join("XBUSY1", "joiner" + round, false); // asserts the answers, in order, back to back
          }
        }
      } finally {
        stop.set(true);
        app.khuphaen.sync.support.Await.result(stopped.future());
      }
    }
  }

  @Test
  void eachSendersOrderHoldsAcrossNodes() {
    node(0).createRoom("XORDER");
    int count = 1000;
    try (WsClient s0 = node(0).connect(); WsClient s1 = node(1).connect(); WsClient receiver = node(2).connect()) {
      receiver.join("XORDER", "receiver", true);
      s0.join("XORDER", "s0", false);
      s1.join("XORDER", "s1", false);
      receiver.next("peer_joined");
      receiver.next("peer_joined");
      for (int i = 0; i < count; i++) {
        s0.send(Messages.broadcast("s0-" + i));
        s1.send(Messages.broadcast("s1-" + i));
      }
      Map<String, Integer> next = new HashMap<>(Map.of("s0", 0, "s1", 0));
      for (int i = 0; i < 2 * count; i++) {
        JsonObject data = receiver.next("data");
        String from = data.getString("from");
        assertThat(data.getString("data")).isEqualTo(from + "-" + next.get(from));
        next.merge(from, 1, Integer::sum);
      }
      assertThat(next).containsEntry("s0", count).containsEntry("s1", count);
    }
  }

  @Test
  void concurrentSyncsOnTwoNodesEndWithEveryPeerOnTheSameDocument() {
    node(0).createRoom("XRACE1");
    try (WsClient a = node(0).connect(); WsClient b = node(1).connect(); WsClient watcher = node(2).connect()) {
      a.join("XRACE1", "a", true);
      b.join("XRACE1", "b", false);
      watcher.join("XRACE1", "w", false);
      a.next("peer_joined");
      a.next("peer_joined");
      b.next("peer_joined");
      for (int i = 0; i < 50; i++) {
        a.send(Messages.syncDocument("a" + i));
        b.send(Messages.syncDocument("b" + i));
      }
      // a barrier: each sender's marker arrives after all its documents (per-sender order)
      a.send(Messages.broadcast("done-a"));
      b.send(Messages.broadcast("done-b"));
      awaitMarkers(a, "done-b");
      awaitMarkers(b, "done-a");
      awaitMarkers(watcher, "done-a", "done-b");

      String[] agreed = new String[3];
      WsClient[] peers = {a, b, watcher};
      for (int p = 0; p < 3; p++) {
        peers[p].send(Messages.action("request_sync"));
        agreed[p] = peers[p].next("document_sync").getString("document");
      }
      assertThat(agreed[0]).isIn("a49", "b49");
      assertThat(agreed[1]).isEqualTo(agreed[0]);
      assertThat(agreed[2]).isEqualTo(agreed[0]);
    }
  }

  /** Reads (and drops) document relays until each marker broadcast has arrived. */
  private static void awaitMarkers(WsClient client, String... markers) {
    java.util.Set<String> missing = new java.util.HashSet<>(List.of(markers));
    while (!missing.isEmpty()) {
      JsonObject message = client.next();
      if ("data".equals(message.getString("type"))) {
        missing.remove(message.getString("data"));
      }
    }
  }

  @Test
  void creatingTheSameCodeOnTwoNodesAtOnceMakesOneRoom() {
    HttpClient c0 = node(0).vertx.createHttpClient();
    HttpClient c1 = node(1).vertx.createHttpClient();
    String body = new JsonObject().put("desired_room_code", "XRACE2").encode();
    Future<JsonObject> first = post(c0, node(0).port, body);
    Future<JsonObject> second = post(c1, node(1).port, body);
    JsonObject one;
    JsonObject two;
    try {
      one = app.khuphaen.sync.support.Await.result(first);
      two = app.khuphaen.sync.support.Await.result(second);
    } finally { // also keeps them reachable until answered: Vert.x 5 closes a client the GC finds unreachable
      c0.close();
      c1.close();
    }
    assertThat(two.getString("room_id")).isEqualTo(one.getString("room_id"));
    assertThat(two.getString("host_id")).isEqualTo(one.getString("host_id"));
    assertThat(one.getBoolean("restored", false) ^ two.getBoolean("restored", false)).as("exactly one created it").isTrue();
  }

  @Test
  void theIdleSweepRemovesARoomOnceAcrossTheCluster() {
    try (LogCapture log = new LogCapture("app.khuphaen.sync.room.RoomSweep");
         LogCapture sweeps = LogCapture.debug(IdleSweeper.class)) {
      node(1).createRoom("XSWEEP");
      node(2).http.awaitStatus("/api/rooms/XSWEEP", 404);
      // every node sweeps every second: each gets two more chances to (wrongly) remove it again
      long swept = sweeps.lines().size();
      Await.until("two more sweeps on every node", () -> sweeps.lines().size() >= swept + 2L * NODES);
      assertThat(log.lines().stream().filter(l -> l.startsWith("room=XSWEEP removed"))).hasSize(1);
    }
  }

  @Test
  void aNodeThatStopsTakesAllItsPeersOutOfPresenceAtOnce() {
    node(0).createRoom("XSTOP1");
    node(0).createRoom("XSTOP2");
    try (WsClient stays1 = node(0).connect(); WsClient stays2 = node(1).connect()) {
      stays1.join("XSTOP1", "stays1", true); // occupied: the 2 s idle sweep leaves them alone
      stays2.join("XSTOP2", "stays2", true);
      TestServer extra = TestServer.start(cluster.config(0).put(Settings.CLUSTER_PORT, TestServer.freePort()));
      Map<String, String> going = Map.of("g1", "XSTOP1", "g2", "XSTOP1", "g3", "XSTOP1", "h1", "XSTOP2", "h2", "XSTOP2");
      List<WsClient> goes = new java.util.ArrayList<>();
      going.forEach((peer, room) -> {
        WsClient client = extra.connect();
        client.join(room, peer, false);
        goes.add(client);
      });
      extra.close();
      goes.forEach(client -> assertThat(client.awaitClose()).isEqualTo((short) 1001));
      stays1.awaitPeersLeft(java.util.Set.of("g1", "g2", "g3"));
      stays2.awaitPeersLeft(java.util.Set.of("h1", "h2"));
      assertThat(node(1).http.get("/api/rooms/XSTOP1").json().getJsonArray("peers").stream().map(p -> ((JsonObject) p).getString("id")).toList()).containsExactly("stays1");
      assertThat(node(2).http.get("/api/rooms/XSTOP2").json().getInteger("peer_count")).isEqualTo(1);
    }
  }

  private static Future<JsonObject> post(HttpClient client, int port, String body) {
    return client.request(HttpMethod.POST, port, "127.0.0.1", "/api/rooms")
        .compose(req -> req.send(body).compose(resp -> resp.body()))
        .map(buf -> new JsonObject(buf.toString()));
  }
}
