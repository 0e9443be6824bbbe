package app.khuphaen.sync.cluster;

import app.khuphaen.sync.protocol.CloseCodes;
import app.khuphaen.sync.support.Await;
import app.khuphaen.sync.support.Messages;
import app.khuphaen.sync.support.Postgres;
import app.khuphaen.sync.support.ProcessCluster;
import app.khuphaen.sync.support.WsClient;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three server processes (the container's command line) as one cluster: a node killed with kill -9, a
 * node paused with SIGSTOP and resumed, a node restarted under traffic. Only the processes this test
 * started are signalled. Needs PostgreSQL (skipped without).
 */
@Tag("slow")
class ClusterProcessIT {
  private static final Logger log = LoggerFactory.getLogger(ClusterProcessIT.class);

  @TempDir
  Path workDir;
  private Vertx vertx;
  private Postgres postgres;
  private ProcessCluster cluster;
  private final List<WsClient> clients = new ArrayList<>();

  @BeforeEach
  void setUp() throws InterruptedException {
    postgres = Postgres.createDatabase();
    vertx = Vertx.vertx();
    cluster = ProcessCluster.start(vertx, workDir, postgres, 3);
  }

  @AfterEach
  void tearDown() {
    clients.forEach(WsClient::close);
    if (cluster != null) {
      cluster.close();
    }
    Await.result(vertx.close());
    postgres.close();
  }

  private WsClient join(int node, String code, String peerId) {
    WsClient client = WsClient.connect(vertx, cluster.port(node));
    clients.add(client);
    client.join(code, peerId, false);
    return client;
  }

  /**
   * The id in the next peer_joined for {@code client}; a repeated peer_left is skipped (a node that was
   * cut off may still announce that peers the others already dropped have left).
   */
  private static String nextPeerJoined(WsClient client) {
    while (true) {
      JsonObject message = client.next();
      if (!"peer_left".equals(message.getString("type"))) {
        assertThat(message.getString("type")).isEqualTo("peer_joined");
        return message.getJsonObject("peer").getString("id");
      }
    }
  }

  /** The next data frame for {@code client}; membership news before it is skipped. */
  private static String nextData(WsClient client) {
    while (true) {
      JsonObject message = client.next();
      if ("data".equals(message.getString("type"))) {
        return message.getString("data");
      }
    }
  }

  @Test
  void everyPeerOfAKilledNodeLeavesVisiblyAndTheSurvivorsGoOn() throws Exception {
    cluster.createRoom(0, "KILL01");
    cluster.createRoom(1, "KILL02");
    WsClient a1 = join(0, "KILL01", "a1");
    WsClient b1 = join(1, "KILL01", "b1");
    WsClient a2 = join(0, "KILL02", "a2");
    WsClient b2 = join(1, "KILL02", "b2");
    Set<String> doomed1 = Set.of("c1", "c2", "c3");
    Set<String> doomed2 = Set.of("d1", "d2");
    doomed1.forEach(peer -> join(2, "KILL01", peer));
    doomed2.forEach(peer -> join(2, "KILL02", peer));

    long killedAt = System.nanoTime();
    cluster.process(2).kill();
    a1.awaitPeersLeft(doomed1);
    b1.awaitPeersLeft(doomed1);
    a2.awaitPeersLeft(doomed2);
    b2.awaitPeersLeft(doomed2);
    double seconds = (System.nanoTime() - killedAt) / 1e9;
    log.info("every peer of the killed node left {} s after kill -9", String.format("%.1f", seconds));
    assertThat(seconds).isLessThan(15.0);
    for (int node = 0; node < 2; node++) {
      assertThat(cluster.peers(node, "KILL01")).containsExactly("a1", "b1");
      assertThat(cluster.peers(node, "KILL02")).containsExactly("a2", "b2");
    }

    a1.send(Messages.broadcast("after the crash"));
    assertThat(nextData(b1)).isEqualTo("after the crash");
    b2.send(Messages.syncDocument("survivors' document"));
    assertThat(a2.next("document_sync").getString("document")).isEqualTo("survivors' document");

    // the node comes back and serves the room again, document included
    cluster.restart(2);
    WsClient back = WsClient.connect(vertx, cluster.port(2));
    clients.add(back);
    back.send(Messages.join("KILL02", "back", false));
    assertThat(back.next("room_info").getJsonArray("peers")).hasSize(3);
    back.next("connected");
    assertThat(back.next("document_sync").getString("document")).isEqualTo("survivors' document");
    assertThat(a2.next("peer_joined").getJsonObject("peer").getString("id")).isEqualTo("back");
  }

  @Test
  void aPausedNodeIsDroppedAndOnceResumedTheClusterIsConsistentAgain() throws Exception {
    cluster.createRoom(0, "PAUSE1");
    WsClient a = join(0, "PAUSE1", "a");
    WsClient b = join(1, "PAUSE1", "b");
    WsClient p1 = join(2, "PAUSE1", "p1");
    WsClient p2 = join(2, "PAUSE1", "p2");

    long pausedAt = System.nanoTime();
    cluster.process(2).pause();
    a.awaitPeersLeft(Set.of("p1", "p2"));
    b.awaitPeersLeft(Set.of("p1", "p2"));
    double dropped = (System.nanoTime() - pausedAt) / 1e9;
    assertThat(dropped).isLessThan(15.0);
    assertThat(cluster.peers(0, "PAUSE1")).containsExactly("a", "b");
    a.send(Messages.broadcast("while it is paused"));
    assertThat(nextData(b)).isEqualTo("while it is paused");

    long resumedAt = System.nanoTime();
    cluster.process(2).resume();
    // its sockets' peers are gone everywhere: the server closes them so the front end rejoins
    assertThat(p1.awaitCloseDiscarding()).isEqualTo(CloseCodes.SERVICE_RESTART);
    assertThat(p2.awaitCloseDiscarding()).isEqualTo(CloseCodes.SERVICE_RESTART);
    cluster.process(2).awaitLine("merged back into the cluster", 30);
    // its view was stale while it was cut off: it changed nothing in presence from it (a change made
    // then could outrank the cluster's own, and keep frames from ever reaching it again)
    assertThat(cluster.process(2).output()).doesNotContain("room=PAUSE1 peer=p1 left");

    // a peer that reconnects to the resumed node is in the room everywhere, and frames cross both ways
    WsClient back = WsClient.connect(vertx, cluster.port(2));
    clients.add(back);
    JsonObject info = back.join("PAUSE1", "back", false);
    assertThat(info.getJsonArray("peers")).hasSize(3);
    assertThat(nextPeerJoined(a)).isEqualTo("back");
    assertThat(nextPeerJoined(b)).isEqualTo("back");
    a.send(Messages.broadcast("to everyone"));
    assertThat(nextData(back)).isEqualTo("to everyone");
    assertThat(nextData(b)).isEqualTo("to everyone");
    back.send(Messages.broadcast("from the resumed node"));
    assertThat(nextData(a)).isEqualTo("from the resumed node");
    assertThat(nextData(b)).isEqualTo("from the resumed node");
    for (int node = 0; node < 3; node++) {
      assertThat(cluster.peers(node, "PAUSE1")).as("node %d", node).containsExactly("a", "b", "back");
    }
    double consistent = (System.nanoTime() - resumedAt) / 1e9;
    log.info("paused node: peers dropped after {} s; consistent again {} s after the resume",
        String.format("%.1f", dropped), String.format("%.1f", consistent));
    assertThat(consistent).isLessThan(30.0);
  }

  @Test
  void aNodeRestartingUnderTrafficLeavesNoGapForTheOthers() throws Exception {
    cluster.createRoom(0, "RESTRT");
    WsClient sender = join(0, "RESTRT", "sender");
    WsClient receiver = join(1, "RESTRT", "receiver");
    WsClient third = join(2, "RESTRT", "third");
    // a steady stream (500 frames/s, under the message rate limit) for as long as the restart takes
    AtomicBoolean stop = new AtomicBoolean();
    Promise<Integer> stopped = Promise.promise();
    AtomicInteger next = new AtomicInteger();
    vertx.setPeriodic(2, id -> {
      if (stop.get()) {
        vertx.cancelTimer(id);
        stopped.tryComplete(next.get());
      } else {
        sender.trySend(Messages.broadcast(Integer.toString(next.getAndIncrement())));
      }
    });
    int sent;
    try {
      cluster.process(2).terminate();
      assertThat(third.awaitCloseDiscarding()).isEqualTo(CloseCodes.GOING_AWAY);
      assertThat(cluster.process(2).awaitExit(15)).isZero();
      cluster.restart(2);
      WsClient rejoined = WsClient.connect(vertx, cluster.port(2));
      clients.add(rejoined);
      rejoined.join("RESTRT", "third", false);
      int firstSeen = Integer.parseInt(nextData(rejoined));
      assertThat(Integer.parseInt(nextData(rejoined))).isEqualTo(firstSeen + 1);
    } finally {
      stop.set(true);
      sent = Await.result(stopped.future());
    }
    log.info("{} frames sent while a node restarted", sent);
    for (int i = 0; i < sent; i++) {
      assertThat(nextData(receiver)).isEqualTo(Integer.toString(i));
    }
  }
}
