package app.khuphaen.sync.cluster;

import app.khuphaen.sync.config.Settings;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.spi.merge.DiscardMergePolicy;
import app.khuphaen.sync.metrics.Instrumentation;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.UUID;

/**
 * A Vert.x instance with its membership and its metrics registry: plain for a single node, clustered
 * through Hazelcast when CLUSTER is on. The rest of the server runs the same code either way.
 */
public record Node(Vertx vertx, PrometheusMeterRegistry registry, Membership membership, HazelcastInstance hazelcast) {
  static final int HEARTBEAT_INTERVAL_SECONDS = 1;
  /** Hazelcast's heartbeat timeout: a member silent for this long is declared dead. */
  static final int MAX_NO_HEARTBEAT_SECONDS = 6;
  /**
   * A stall after which this node assumes the others dropped it: they count from its last heartbeat,
   * which may have gone out up to an interval before it stopped, so a little less than the timeout.
   */
  static final long STALL_THRESHOLD_MS = (MAX_NO_HEARTBEAT_SECONDS - HEARTBEAT_INTERVAL_SECONDS - 1) * 1000L;
  /** How often a cluster looks for another it split from, to merge back (Hazelcast: every 2 min). */
  static final int MERGE_RUN_DELAY_SECONDS = 5;

  /** Vert.x options for a node: {@code eventLoops} loops, Linux's epoll where available (else NIO). */
  public static VertxOptions options(int eventLoops) {
    return new VertxOptions().setEventLoopPoolSize(eventLoops).setPreferNativeTransport(true);
  }

  public static Future<Node> start(Settings settings, VertxOptions options) {
    if (!settings.cluster().enabled()) {
      return Future.succeededFuture(single(options));
    }
    Settings.ClusterSettings cluster = settings.cluster();
    options.getEventBusOptions()
        .setHost(cluster.host())
        .setPort(cluster.eventBusPort())
        .setClusterPublicHost(cluster.host());
    Config config = hazelcastConfig(cluster);
    // the id Vert.x knows this node by, read back from each member by Vert.x and by HazelcastMembership
    config.getMemberAttributeConfig().setAttribute(HazelcastMembership.NODE_ID_ATTRIBUTE, UUID.randomUUID().toString());
    // Hazelcast starts blocking; run it on a plain thread, not an event loop
    return Future.fromCompletionStage(java.util.concurrent.CompletableFuture.supplyAsync(
            () -> Hazelcast.newHazelcastInstance(config)))
        .compose(hz -> {
          PrometheusMeterRegistry registry = Instrumentation.newRegistry();
          return Instrumentation.vertxBuilder(options, registry).withClusterManager(new HazelcastClusterManager(hz))
              .buildClustered()
              .map(vertx -> new Node(vertx, registry, new HazelcastMembership(vertx, hz, STALL_THRESHOLD_MS), hz))
              .onFailure(err -> hz.shutdown());
        });
  }

  /** A single node: a Vert.x that is not clustered. */
  public static Node single(VertxOptions options) {
    PrometheusMeterRegistry registry = Instrumentation.newRegistry();
    return new Node(Instrumentation.vertxBuilder(options, registry).build(), registry, Membership.single(), null);
  }

  /** Closes Vert.x (leaving the cluster), then this node's Hazelcast member. */
  public Future<Void> close() {
    return vertx.close().eventually(() -> {
      if (membership instanceof HazelcastMembership hazelcastMembership) {
        hazelcastMembership.close();
      }
      if (hazelcast != null) {
        hazelcast.shutdown();
      }
      return Future.succeededFuture();
    });
  }

  /**
   * Vert.x's own maps and the network: a fixed member list over TCP on CLUSTER_HOST:CLUSTER_PORT (or
   * Kubernetes DNS discovery), multicast only when asked for, no phone-home, and dead members noticed
   * within seconds rather than Hazelcast's default minute.
   */
  static Config hazelcastConfig(Settings.ClusterSettings cluster) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName("khu-phaen-sync");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.shutdownhook.enabled", "false"); // Main stops the node on SIGTERM
    config.setProperty("hazelcast.heartbeat.interval.seconds", Integer.toString(HEARTBEAT_INTERVAL_SECONDS));
    config.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(MAX_NO_HEARTBEAT_SECONDS));
    // a member that was dropped while it stood still (or cut off) forms a cluster of its own; look for
    // it every few seconds so it merges back, and let the bigger side's rooms and presence win
    config.setProperty("hazelcast.merge.first.run.delay.seconds", Integer.toString(MERGE_RUN_DELAY_SECONDS));
    config.setProperty("hazelcast.merge.next.run.delay.seconds", Integer.toString(MERGE_RUN_DELAY_SECONDS));
    config.addMapConfig(new MapConfig("kp.*").setMergePolicyConfig(
        new MergePolicyConfig(DiscardMergePolicy.class.getName(), MergePolicyConfig.DEFAULT_BATCH_SIZE)));
    config.setProperty("hazelcast.socket.bind.any", "false");
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(false);
    network.setPublicAddress(cluster.host() + ":" + cluster.port());
    network.getInterfaces().setEnabled(true).addInterface(cluster.host());
    JoinConfig join = network.getJoin();
    join.getAutoDetectionConfig().setEnabled(false);
    join.getMulticastConfig().setEnabled(cluster.multicast());
    if (cluster.kubernetesServiceDns() != null) {
      join.getTcpIpConfig().setEnabled(false);
      join.getKubernetesConfig().setEnabled(true).setProperty("service-dns", cluster.kubernetesServiceDns());
    } else if (!cluster.multicast()) {
      join.getTcpIpConfig().setEnabled(true).setMembers(
          cluster.members().isEmpty() ? java.util.List.of(cluster.host() + ":" + cluster.port()) : cluster.members());
    }
    return config;
  }
}
