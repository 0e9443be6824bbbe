package app.khuphaen.sync.support;

import app.khuphaen.sync.config.Settings;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Several clustered servers in this JVM (each its own Vert.x and Hazelcast member on 127.0.0.1),
 * sharing one PostgreSQL database of their own. Skipped where no PostgreSQL answers.
 */
public final class TestCluster implements AutoCloseable {
  public final Postgres postgres;
  /** Between the nodes and PostgreSQL when asked for (to cut it), else null. */
  public final TcpProxy storeProxy;
  public final List<TestServer> nodes = new ArrayList<>();
  private final Vertx proxyVertx;
  private final List<Integer> clusterPorts;
  private final JsonObject extra;

  private TestCluster(Postgres postgres, int size, JsonObject extra, boolean proxied) {
    this.postgres = postgres;
    this.extra = extra;
    this.proxyVertx = proxied ? Vertx.vertx() : null;
    this.storeProxy = proxied ? TcpProxy.start(proxyVertx, Postgres.HOST, Postgres.PORT) : null;
    this.clusterPorts = IntStream.range(0, size).mapToObj(i -> TestServer.freePort()).toList();
  }

  public static TestCluster start(int size, JsonObject extra) {
    return start(size, extra, false);
  }

  /** A cluster that reaches PostgreSQL through {@link #storeProxy}, so a test can cut it off. */
  public static TestCluster startBehindStoreProxy(int size, JsonObject extra) {
    return start(size, extra, true);
  }

  private static TestCluster start(int size, JsonObject extra, boolean proxied) {
    TestCluster cluster = new TestCluster(Postgres.createDatabase(), size, extra, proxied);
    try {
      for (int i = 0; i < size; i++) {
        cluster.nodes.add(cluster.startNode(i));
      }
    } catch (RuntimeException | AssertionError e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  /** The settings of node {@code i}. */
  public JsonObject config(int i) {
    return extra.copy()
        .put(Settings.CLUSTER, true)
        .put(Settings.CLUSTER_HOST, "127.0.0.1")
        .put(Settings.CLUSTER_PORT, clusterPorts.get(i))
        .put(Settings.CLUSTER_MEMBERS, clusterPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(",")))
        .put(Settings.DATABASE_URL, postgres.url(storeProxy == null ? Postgres.PORT : storeProxy.port()));
  }

  private TestServer startNode(int i) {
    return TestServer.start(config(i));
  }

  public TestServer node(int i) {
    return nodes.get(i);
  }

  @Override
  public void close() {
    for (TestServer node : nodes) {
      try {
        node.close();
      } catch (RuntimeException | AssertionError e) {
        // keep closing the others
      }
    }
    if (storeProxy != null) {
      storeProxy.close();
      Await.result(proxyVertx.close());
    }
    postgres.close();
  }
}
