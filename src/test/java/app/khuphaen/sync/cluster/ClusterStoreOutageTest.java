package app.khuphaen.sync.cluster;

import app.khuphaen.sync.support.Messages;
import app.khuphaen.sync.support.TestCluster;
import app.khuphaen.sync.support.WsClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Two clustered nodes losing PostgreSQL for a while. Needs PostgreSQL (skipped without). */
class ClusterStoreOutageTest {
  private TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void whileTheStoreIsDownNodesKeepRelayingAndADocumentSyncedMeanwhileIsStoredOnceItReturns() {
    cluster = TestCluster.startBehindStoreProxy(2, new JsonObject());
    cluster.node(0).createRoom("XPGOUT");
    try (WsClient a = cluster.node(0).connect(); WsClient b = cluster.node(1).connect()) {
      a.join("XPGOUT", "a", true);
      b.join("XPGOUT", "b", false);
      a.next("peer_joined");

      cluster.storeProxy.cut();
      try {
        a.send(Messages.broadcast("during the outage"));
        assertThat(b.next("data").getString("data")).isEqualTo("during the outage");
        b.send(Messages.syncDocument("synced during the outage"));
        assertThat(a.next("document_sync").getString("document")).isEqualTo("synced during the outage");
        for (int node = 0; node < 2; node++) {
          assertThat(cluster.node(node).http.awaitStatus("/health", 503).json().getString("status")).isEqualTo("unhealthy");
        }
        a.send(Messages.broadcast("still relaying"));
        assertThat(b.next("data").getString("data")).isEqualTo("still relaying");
      } finally {
        cluster.storeProxy.restore();
      }
      cluster.node(0).http.awaitStored("XPGOUT", "synced during the outage");
      for (int node = 0; node < 2; node++) {
        cluster.node(node).http.awaitStatus("/health", 200);
      }
    }
  }
}
