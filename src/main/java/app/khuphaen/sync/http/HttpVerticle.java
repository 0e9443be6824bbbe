package app.khuphaen.sync.http;

import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.protocol.CloseCodes;
import app.khuphaen.sync.protocol.ServerMessages;
import app.khuphaen.sync.room.LocalFanout;
import app.khuphaen.sync.room.RoomService;
import app.khuphaen.sync.session.SocketPipeline;
import app.khuphaen.sync.session.Session;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.net.PemKeyCertOptions;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP and WebSocket server of one event loop (deployed once per event loop, all sharing the
 * port). Holds no room state: rooms live in {@link RoomService}; this verticle only owns its
 * sockets, their local fan-out and their heartbeat.
 */
public final class HttpVerticle extends VerticleBase {

  private final Settings settings;
  private final RoomService rooms;
  private final CreationRateLimiter rateLimiter;
  private final ConnectionCounter connections;
  private final ClientAddress clientAddress;
  private final Set<Session> sessions = new HashSet<>();
  private HttpServer server;

  public HttpVerticle(Settings settings, RoomService rooms, CreationRateLimiter rateLimiter,
                      ConnectionCounter connections, ClientAddress clientAddress) {
    this.settings = settings;
    this.rooms = rooms;
    this.rateLimiter = rateLimiter;
    this.connections = connections;
    this.clientAddress = clientAddress;
  }

  @Override
  public Future<?> start() {
    LocalFanout fanout = rooms.newFanout();
    server = vertx.createHttpServer(serverOptions())
        .requestHandler(new RestApi(rooms, rateLimiter, connections, clientAddress, settings.security()).router(vertx))
        .webSocketHandshakeHandler(this::handshake)
        .webSocketHandler(ws -> accept(ws, fanout));
    vertx.setPeriodic(settings.limits().wsPingIntervalSeconds() * 1000L,
        id -> List.copyOf(sessions).forEach(Session::heartbeat));
    return server.listen(settings.port(), "0.0.0.0");
  }

  private HttpServerOptions serverOptions() {
    HttpServerOptions options = new HttpServerOptions()
        .setMaxWebSocketMessageSize(settings.maxMessageBytes())
        .setMaxWebSocketFrameSize(settings.maxMessageBytes())
        // per-message deflate: off unless WS_COMPRESSION (README "Performance" has the measurements)
        .setPerMessageWebSocketCompressionSupported(settings.wsCompression())
        .setPerFrameWebSocketCompressionSupported(false)
        .setTcpNoDelay(true)
        // every connection is only ever touched from its own event loop (sessions, fan-out, heartbeat),
        // so Vert.x can drop a cross-thread message queue per connection: ~4 KB of heap each
        .setStrictThreadMode(true);
    Settings.Security security = settings.security();
    if (security.tlsCertFile() != null) {
      options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
          .setCertPath(security.tlsCertFile())
          .setKeyPath(security.tlsKeyFile()));
    }
    return options;
  }

  /** Only /ws upgrades, and, with CORS_ORIGINS set, only from those origins (or from non-browsers). */
  private void handshake(ServerWebSocketHandshake handshake) {
    if (!"/ws".equals(handshake.path())) {
      handshake.reject(404);
      return;
    }
    String origin = handshake.headers().get("Origin");
    List<String> allowed = settings.security().corsOrigins();
    if (origin != null && !allowed.isEmpty() && !allowed.contains(origin)) {
      handshake.reject(403);
      return;
    }
    handshake.accept();
  }

  private void accept(ServerWebSocket ws, LocalFanout fanout) {
    String ip = clientAddress.clientIp(ws.remoteAddress(), ws.headers());
    if (!connections.tryOpen(ip)) {
      // accepted only to say why: browsers cannot read the body of a refused handshake
      ws.writeTextMessage(ServerMessages.error(ServerMessages.TOO_MANY_CONNECTIONS))
          .onComplete(ar -> ws.close(CloseCodes.POLICY_VIOLATION, ServerMessages.TOO_MANY_CONNECTIONS));
      return;
    }
    SocketPipeline.install(ws, settings.maxMessageBytes());
    Session session = new Session(ws, rooms, fanout, settings);
    sessions.add(session);
    session.start(() -> {
      sessions.remove(session);
      connections.closed(ip);
    });
  }

  /**
   * Stops accepting, tells every socket the server is going away (1001), and waits (a few seconds at
   * most) until each has left its room, so a stopping cluster node takes its peers out of presence.
   */
  @Override
  public Future<?> stop() {
    Future<Void> shutdown = server.shutdown(3, TimeUnit.SECONDS);
    List<Session> open = List.copyOf(sessions);
    open.forEach(s -> s.close(CloseCodes.GOING_AWAY, "Server shutting down"));
    List<Future<Void>> left = open.stream().map(Session::closed).toList();
    return Future.join(left).transform(ar -> shutdown);
  }
}
