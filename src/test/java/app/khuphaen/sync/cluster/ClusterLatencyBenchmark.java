package app.khuphaen.sync.cluster;

import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.support.Messages;
import app.khuphaen.sync.support.TestCluster;
import app.khuphaen.sync.support.WsClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;

/**
 * Delivery latency to a peer on the sender's node against one on another node, and join latency on
 * a cluster, with two clustered nodes in this JVM (one clock for both). Reports figures; run with
 * {@code mvn test -Dgroups=benchmark -Dkp.excludedGroups= -Dtest=ClusterLatencyBenchmark}.
 */
@Tag("benchmark")
class ClusterLatencyBenchmark {
  private static final Logger log = LoggerFactory.getLogger(ClusterLatencyBenchmark.class);
  private static final int MESSAGES = 5_000;
  private static final int JOINS = 200;

  @Test
  void crossNodeAgainstSameNode() {
    // back-to-back sends measure latency, not the per-socket rate limit (1,000/s after a burst of 2,000)
    JsonObject unlimited = new JsonObject().put(Settings.MESSAGE_RATE_PER_SECOND, 1_000_000).put(Settings.MESSAGE_BURST, 1_000_000);
    try (TestCluster cluster = TestCluster.start(2, unlimited)) {
      cluster.node(0).createRoom("LAT001");
      try (WsClient sender = cluster.node(0).connect();
           WsClient local = cluster.node(0).connect();
           WsClient remote = cluster.node(1).connect()) {
        sender.join("LAT001", "sender", true);
        local.join("LAT001", "local", false);
        remote.join("LAT001", "remote", false);
        sender.next("peer_joined");
        sender.next("peer_joined");
        local.next("peer_joined");
        long[] same = new long[MESSAGES];
        long[] cross = new long[MESSAGES];
        for (int i = -500; i < MESSAGES; i++) { // 500 to warm up
          sender.send(Messages.broadcast(Long.toString(System.nanoTime())));
          long atLocal = System.nanoTime() - Long.parseLong(local.next("data").getString("data"));
          long atRemote = System.nanoTime() - Long.parseLong(remote.next("data").getString("data"));
          if (i >= 0) {
            same[i] = atLocal;
            cross[i] = atRemote;
          }
        }
        report("same-node delivery", same);
        report("cross-node delivery", cross);
      }

      long[] joins = new long[JOINS];
      try (WsClient anchor = cluster.node(0).connect()) {
        anchor.join("LAT001", "anchor", true);
        for (int i = 0; i < JOINS; i++) {
          try (WsClient joiner = cluster.node(1).connect()) {
            long start = System.nanoTime();
            joiner.send(Messages.join("LAT001", "joiner-" + i, false));
            joiner.next("room_info");
            joiner.next("connected");
            joins[i] = System.nanoTime() - start;
          }
        }
      }
      report("join on the other node (to connected)", joins);
    }
  }

  private static void report(String what, long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    log.info("{} over {}: p50 {} ms, p99 {} ms, max {} ms", what, sorted.length,
        ms(sorted[sorted.length / 2]), ms(sorted[(int) Math.ceil(sorted.length * 0.99) - 1]), ms(sorted[sorted.length - 1]));
  }

  private static String ms(long nanos) {
    return String.format("%.2f", nanos / 1e6);
  }
}
