package app.khuphaen.sync.http;

import app.khuphaen.sync.metrics.ServerMetrics;
import app.khuphaen.sync.protocol.ErrorMessages;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.protocol.ClientMessageParser;
import app.khuphaen.sync.protocol.CloseCodes;
import app.khuphaen.sync.protocol.ServerMessages;
import app.khuphaen.sync.room.LocalFanout;
import app.khuphaen.sync.room.RoomService;
import app.khuphaen.sync.transport.PeerSocket;
import app.khuphaen.sync.session.Session;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.HttpServerConnection;
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
  private final Guards guards;
  private final PrometheusMeterRegistry registry;
  private final Set<Session> sessions = new HashSet<>();
  private HttpServer server;
  private HttpServerOptions options;
  private ClientMessageParser parser;

  /** @param registry the node's metrics, scraped at /metrics */
  public HttpVerticle(Settings settings, RoomService rooms, Guards guards, PrometheusMeterRegistry registry) {
    this.settings = settings;
    this.rooms = rooms;
    this.guards = guards;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    LocalFanout fanout = rooms.newFanout();
    parser = new ClientMessageParser(settings.limits().maxNestingDepth(), settings.limits().maxMetadataBytes());
    Handler<HttpServerRequest> rest = new RestApi(rooms, guards, settings.security(), registry).router(vertx);
    WebSocketUpgrade upgrade = new WebSocketUpgrade(settings.maxMessageBytes(), settings.wsCompression(),
        settings.limits().outboundQueueBytes(), guards.buffers(), guards.incoming(),
        settings.limits().messageTimeoutSeconds(), rooms.metrics());
    options = serverOptions();
    server = vertx.createHttpServer(options)
        .connectionHandler(this::guard)
        .requestHandler(request -> {
          if ("/ws".equals(request.path()) && WebSocketUpgrade.isUpgrade(request)) {
            accept(request, upgrade, fanout);
          } else {
            rest.handle(request);
          }
        });
    vertx.setPeriodic(settings.limits().wsPingIntervalSeconds() * 1000L,
        id -> List.copyOf(sessions).forEach(Session::heartbeat));
    return server.listen(settings.port(), "0.0.0.0");
  }

  private HttpServerOptions serverOptions() {
    HttpServerOptions options = new HttpServerOptions()
        .setTcpNoDelay(true)
        .setHttp2ClearTextEnabled(false)
        // WebSocketUpgrade negotiates per-message deflate itself (only with WS_COMPRESSION); Vert.x's
        // own extension handler would offer it on every upgrade
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false)
        // every connection is only ever touched from its own event loop, so Vert.x can drop a
        // cross-thread message queue per HTTP connection (WebSockets leave Vert.x at the upgrade)
        .setStrictThreadMode(true);
    Settings.Security security = settings.security();
    if (security.tlsCertFile() != null) {
      options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
          .setCertPath(security.tlsCertFile())
          .setKeyPath(security.tlsKeyFile()));
    }
    return options;
  }

  /**
   * Every new connection: within MAX_HTTP_CONNECTIONS_PER_IP for its TCP peer address (over it, closed
   * at once, before anything is read), and watched by an {@link HttpConnectionGuard} until it closes
   * or becomes a WebSocket.
   */
  private void guard(HttpConnection connection) {
    if (!(connection instanceof HttpServerConnection http)) {
      return;
    }
    ChannelHandlerContext ctx = http.channelHandlerContext();
    String ip = connection.remoteAddress().hostAddress();
    HttpConnectionLimiter limiter = guards.httpConnections();
    if (!limiter.tryOpen(ip)) {
      guards.badRequests().tooManyConnections(ip, settings.http().maxConnectionsPerIp());
      rooms.metrics().refused(ServerMetrics.Refusal.TOO_MANY_CONNECTIONS);
      ctx.channel().close();
      return;
    }
    Settings.Http limits = settings.http();
    ctx.pipeline().addBefore(ctx.name(), HttpConnectionGuard.NAME,
        new HttpConnectionGuard(limits.headerTimeoutSeconds(), limits.idleTimeoutSeconds(), () -> limiter.closed(ip)));
    // before anything is read: the decoder that notes a head with both lengths, and the rules it serves
    ctx.pipeline().replace(RequestFraming.DECODER, RequestFraming.DECODER, new RequestFraming.Decoder(options));
    ctx.pipeline().addBefore(HttpConnectionGuard.NAME, RequestFraming.NAME, new RequestFraming(guards.badRequests(), ip));
  }

  /**
   * A WebSocket upgrade to /ws: only from CORS_ORIGINS when that is set (non-browsers send no
   * Origin), only within MAX_CONNECTIONS_PER_IP, and not while this node is cut off from its cluster.
   */
  private void accept(HttpServerRequest request, WebSocketUpgrade upgrade, LocalFanout fanout) {
    if (!rooms.acceptsPeers()) {
      request.response().setStatusCode(503).end(); // cut off from the cluster: the client retries
      return;
    }
    String origin = request.getHeader("Origin");
    List<String> allowed = settings.security().corsOrigins();
    if (origin != null && !allowed.isEmpty() && !allowed.contains(origin)) {
      request.response().setStatusCode(403).end();
      return;
    }
    String ip = guards.clientAddress().clientIp(request.remoteAddress(), request.headers());
    PeerSocket socket = upgrade.accept(request);
    if (socket == null) {
      return; // answered with an HTTP error
    }
    if (!guards.webSockets().tryOpen(ip)) {
      // accepted only to say why: browsers cannot read the body of a refused handshake
      rooms.metrics().refused(ServerMetrics.Refusal.TOO_MANY_CONNECTIONS);
      socket.sendText(ServerMetrics.Frame.ERROR, ServerMessages.error(ErrorMessages.TOO_MANY_CONNECTIONS));
      socket.close(CloseCodes.POLICY_VIOLATION, ErrorMessages.TOO_MANY_CONNECTIONS);
      return;
    }
    Session session = new Session(socket, rooms, fanout, parser, settings, ip, guards.lookupMisses());
    sessions.add(session);
    session.start(() -> {
      sessions.remove(session);
      guards.webSockets().closed(ip);
    });
  }

  /** Closes every socket of this verticle with {@code code}; from any thread. */
  public void closeAll(short code, String reason) {
    context.runOnContext(v -> List.copyOf(sessions).forEach(s -> s.close(code, reason)));
  }

  /**
   * Stops accepting, tells every socket the server is going away (1001), and waits (a few seconds at
   * most) until each has left its room, so a stopping cluster node takes its peers out of presence.
   */
  @Override
  public Future<?> stop() {
    Future<Void> shutdown = server.shutdown(3, TimeUnit.SECONDS);
    List<Session> open = List.copyOf(sessions);
    open.forEach(s -> s.close(CloseCodes.GOING_AWAY, ErrorMessages.SHUTTING_DOWN));
    List<Future<Void>> left = open.stream().map(Session::closed).toList();
    return Future.join(left).transform(ar -> shutdown);
  }
}
