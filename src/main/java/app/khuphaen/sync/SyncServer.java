package app.khuphaen.sync;

import app.khuphaen.sync.protocol.ErrorMessages;
import app.khuphaen.sync.cluster.Membership;
import app.khuphaen.sync.cluster.Node;
import app.khuphaen.sync.config.ConfigException;
import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.http.BadRequestLog;
import app.khuphaen.sync.http.Guards;
import app.khuphaen.sync.http.HttpConnectionLimiter;
import app.khuphaen.sync.transport.BufferBudget;
import app.khuphaen.sync.transport.IncomingBudget;
import app.khuphaen.sync.http.ClientAddress;
import app.khuphaen.sync.http.ConnectionCounter;
import app.khuphaen.sync.http.CreationRateLimiter;
import app.khuphaen.sync.http.HttpVerticle;
import app.khuphaen.sync.metrics.ServerMetrics;
import app.khuphaen.sync.protocol.CloseCodes;
import app.khuphaen.sync.room.IdleSweeper;
import app.khuphaen.sync.room.LookupMisses;
import app.khuphaen.sync.room.RoomService;
import app.khuphaen.sync.store.RoomStore;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The whole server on one Vert.x instance: store, rooms, sweeper and one HTTP verticle per event loop. */
public final class SyncServer {
  private static final Logger log = LoggerFactory.getLogger(SyncServer.class);
  private static final long FLUSH_TIMEOUT_MS = 4_000;

  private final Vertx vertx;
  private final Settings settings;
  private final RoomStore store;
  private final List<String> deployments = new ArrayList<>();
  private RoomService rooms;

  private SyncServer(Vertx vertx, Settings settings, RoomStore store) {
    this.vertx = vertx;
    this.settings = settings;
    this.store = store;
  }

  /** Starts the server on {@code node}: a plain Vert.x, or one member of a cluster. */
  public static Future<SyncServer> start(Node node, Settings settings) {
    Vertx vertx = node.vertx();
    return Stores.open(vertx, settings).compose(store -> {
      log.info("store: {}", store.describe());
      return start(vertx, node, settings, store)
          .recover(err -> store.close().transform(ar -> Future.failedFuture(err)));
    });
  }

  /** The budget for messages still arriving, shown as gauges. */
  private static IncomingBudget incomingBudget(Settings settings, ServerMetrics metrics) {
    IncomingBudget budget = new IncomingBudget(settings.limits().incomingBufferBytes());
    budget.register(metrics);
    return budget;
  }

  private static Future<SyncServer> start(Vertx vertx, Node node, Settings settings, RoomStore store) {
    Membership membership = node.membership();
    SyncServer server = new SyncServer(vertx, settings, store);
    int instances = Runtime.getRuntime().availableProcessors();
    ServerMetrics metrics = new ServerMetrics(node.registry());
    Guards guards;
    try {
      ClientAddress clientAddress = new ClientAddress(settings.security().trustedProxies());
      guards = new Guards(new CreationRateLimiter(), new ConnectionCounter(settings.limits().maxConnectionsPerIp()),
          new HttpConnectionLimiter(settings.http().maxConnectionsPerIp(), clientAddress), clientAddress,
          new BadRequestLog(), new BufferBudget(settings.limits().bufferBudgetBytes()),
          incomingBudget(settings, metrics),
          new LookupMisses(settings.quotas().lookupMissBurst(), settings.quotas().lookupMissMaxWaitSeconds()));
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    List<HttpVerticle> verticles = new CopyOnWriteArrayList<>();
    // a node the others dropped: its sockets' peers are gone from presence, so they reconnect and rejoin
    membership.onSeparated(() -> verticles.forEach(v -> v.closeAll(CloseCodes.SERVICE_RESTART, ErrorMessages.NODE_REJOINING)));
    return RoomService.start(vertx, membership, settings, store, metrics)
        .onSuccess(rooms -> server.rooms = rooms)
        .compose(rooms -> vertx.deployVerticle(
                () -> {
                  HttpVerticle verticle = new HttpVerticle(settings, rooms, guards, node.registry());
                  verticles.add(verticle);
                  return verticle;
                },
                new DeploymentOptions().setInstances(instances))
            .onSuccess(server.deployments::add)
            .compose(id -> vertx.deployVerticle(
                new IdleSweeper(rooms, settings.roomIdleTimeoutSeconds(), settings.quotas().unusedRoomTimeoutSeconds(),
                    settings.sweepIntervalSeconds())))
            .onSuccess(server.deployments::add))
        .map(server)
        .onSuccess(s -> log.info("listening on 0.0.0.0:{}{} ({} event loops, {}), room idle timeout {} s, host auth {}{}",
            settings.port(), settings.security().tlsCertFile() != null ? " with TLS" : "", instances,
            vertx.isNativeTransportEnabled() ? "epoll" : "NIO",
            settings.roomIdleTimeoutSeconds(), settings.security().hostAuth().name().toLowerCase(java.util.Locale.ROOT),
            settings.cluster().enabled() ? ", cluster node " + membership.nodeId() : ""));
  }

  /** Closes every socket with 1001, stops the timers, stores what is still queued, closes the store. */
  public Future<Void> stop() {
    List<Future<Void>> undeploys = deployments.stream().map(vertx::undeploy).toList();
    return Future.join(undeploys)
        .transform(ar -> rooms.flush(FLUSH_TIMEOUT_MS))
        .onFailure(err -> log.error("{}", err.getMessage()))
        .transform(ar -> store.close());
  }
}
