package app.khuphaen.sync.http;

import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.room.LocalFanout;
import app.khuphaen.sync.room.RoomService;
import app.khuphaen.sync.session.Session;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP and WebSocket server of one event loop (deployed once per event loop, all sharing the
 * port). Holds no room state: rooms live in {@link RoomService}; this verticle only owns its
 * sockets and their local fan-out.
 */
public final class HttpVerticle extends VerticleBase {
  private static final short GOING_AWAY = 1001;

  private final Settings settings;
  private final RoomService rooms;
  private final CreationRateLimiter rateLimiter;
  private final ConnectionCounter connections;
  private final Set<Session> sessions = new HashSet<>();
  private HttpServer server;

  public HttpVerticle(Settings settings, RoomService rooms, CreationRateLimiter rateLimiter, ConnectionCounter connections) {
    this.settings = settings;
    this.rooms = rooms;
    this.rateLimiter = rateLimiter;
    this.connections = connections;
  }

  @Override
  public Future<?> start() {
    LocalFanout fanout = rooms.newFanout();
    HttpServerOptions options = new HttpServerOptions()
        .setMaxWebSocketMessageSize(settings.maxMessageBytes())
        .setMaxWebSocketFrameSize(settings.maxMessageBytes());
    server = vertx.createHttpServer(options)
        .requestHandler(new RestApi(rooms, rateLimiter, connections).router(vertx))
        .webSocketHandshakeHandler(handshake -> {
          if ("/ws".equals(handshake.path())) {
            handshake.accept();
          } else {
            handshake.reject(404);
          }
        })
        .webSocketHandler(ws -> {
          Session session = new Session(ws, rooms, fanout);
          sessions.add(session);
          connections.opened();
          session.start(() -> {
            sessions.remove(session);
            connections.closed();
          });
        });
    return server.listen(settings.port(), "0.0.0.0");
  }

  /**
   * Stops accepting, tells every socket the server is going away (1001), and waits (a few seconds at
   * most) until each has left its room, so a stopping cluster node takes its peers out of presence.
   */
  @Override
  public Future<?> stop() {
    Future<Void> shutdown = server.shutdown(3, TimeUnit.SECONDS);
    List<Session> open = List.copyOf(sessions);
    open.forEach(s -> s.close(GOING_AWAY, "Server shutting down"));
    List<Future<Void>> left = open.stream().map(Session::closed).toList();
    return Future.join(left).transform(ar -> shutdown);
  }
}
