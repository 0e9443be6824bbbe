package app.khuphaen.sync.http;

import app.khuphaen.sync.protocol.ErrorMessages;
import app.khuphaen.sync.metrics.ServerMetrics;
import app.khuphaen.sync.model.Errors;
import app.khuphaen.sync.config.Version;
import app.khuphaen.sync.protocol.Identifiers;
import app.khuphaen.sync.model.Timestamps;
import app.khuphaen.sync.room.RoomService;
import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.room.RoomRefusal;
import app.khuphaen.sync.store.StoreException;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.Set;
import java.util.regex.Pattern;

/** The REST side of PROTOCOL.md: info, health, room creation and room lookup, with CORS. */
public final class RestApi {
  private static final Logger log = LoggerFactory.getLogger(RestApi.class);
  private static final int MAX_BODY_BYTES = 64 * 1024;
  /** Refusals of a creation that say the named code was free: they count as misses. */
  private static final Set<RoomRefusal.Reason> REFUSED_AS_NEW = Set.of(
      RoomRefusal.Reason.ROOM_LIMIT, RoomRefusal.Reason.ROOMS_PER_ADDRESS, RoomRefusal.Reason.STORAGE_FULL);
  private static final Pattern SAFE_HOST = Pattern.compile("[A-Za-z0-9.\\-:\\[\\]]{1,255}");

  private final RoomService rooms;
  private final CreationRateLimiter rateLimiter;
  private final ConnectionCounter connections;
  private final ClientAddress clientAddress;
  private final Settings.Security security;
  private final BadRequestLog badRequests;
  private final RoomLookups lookups;

  private final PrometheusMeterRegistry registry;

  public RestApi(RoomService rooms, Guards guards, Settings.Security security, PrometheusMeterRegistry registry) {
    this.registry = registry;
    this.rooms = rooms;
    this.rateLimiter = guards.creations();
    this.connections = guards.webSockets();
    this.clientAddress = guards.clientAddress();
    this.badRequests = guards.badRequests();
    this.lookups = new RoomLookups(guards.lookupMisses(), clientAddress, rooms.metrics());
    this.security = security;
  }

  public Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    CorsHandler cors = CorsHandler.create()
        .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH,
            HttpMethod.DELETE, HttpMethod.HEAD, HttpMethod.OPTIONS));
    if (security.corsOrigins().isEmpty()) {
      cors.addOrigin("*");
    } else {
      cors.addOrigins(security.corsOrigins());
    }
    router.route().handler(cors);
    router.get("/").handler(this::info);
    router.get("/health").handler(this::health);
    router.get("/health/live").handler(ctx -> Json.send(ctx, 200, new JsonObject().put("status", "live")));
    router.get("/health/ready").handler(this::ready);
    // false: no file uploads, so no upload folder made in the working directory
    router.post("/api/rooms").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES)).handler(this::createRoom);
    router.get("/api/rooms/:room_code").handler(this::roomInfo);
    new HostAndBackupApi(rooms, lookups, clientAddress).addRoutes(router);
    new OperatorApi(rooms, registry, security).addRoutes(router, vertx);
    // a client that went away before its request was whole (or that RequestFraming cut off) leaves
    // nobody to answer and is nothing the server did wrong: not logged as a failure
    router.route().failureHandler(ctx -> {
      if (!(ctx.failure() instanceof HttpClosedException)) {
        ctx.next();
      }
    });
    router.errorHandler(404, ctx -> Json.fail(ctx, 404, ErrorMessages.NOT_FOUND));
    router.errorHandler(405, ctx -> Json.fail(ctx, 405, ErrorMessages.METHOD_NOT_ALLOWED));
    router.errorHandler(400, ctx -> {
      badRequests.refused(clientAddress.clientIp(ctx.request().remoteAddress(), ctx.request().headers()),
          ctx.request().method().name(), ctx.request().uri(), ctx.failure());
      Json.fail(ctx, 400, ErrorMessages.BAD_REQUEST);
    });
    router.errorHandler(413, ctx -> {
      // the rest of the body is not read: the connection ends after this answer
      ctx.response().putHeader("Connection", "close");
      ctx.response().endHandler(v -> LingeringClose.start(ctx.request()));
      Json.fail(ctx, 413, ErrorMessages.BODY_TOO_LARGE);
    });
    router.errorHandler(500, ctx -> {
      log.error("{} {} failed", ctx.request().method(), BadRequestLog.printable(ctx.request().path()), ctx.failure());
      Json.fail(ctx, 500, ErrorMessages.INTERNAL_ERROR);
    });
    return router;
  }

  private void info(RoutingContext ctx) {
    Json.send(ctx, 200, new JsonObject()
        .put("name", Version.NAME)
        .put("version", Version.VERSION)
        .put("status", "running")
        .put("websocket", "/ws")
        .put("api", new JsonObject()
            .put("create_room", "POST /api/rooms")
            .put("room_info", "GET /api/rooms/:room_code")));
  }

  private void health(RoutingContext ctx) {
    Future<Integer> count = rooms.roomCount();
    Future<String> problem = rooms.problem();
    RoomService.NodeStats stats = rooms.stats();
    Future.join(count, problem).onComplete(ar -> {
      String reason = count.failed() ? Errors.rootMessage(count.cause()) : problem.result();
      JsonObject body = new JsonObject()
          .put("status", reason == null ? "healthy" : "unhealthy")
          .put("rooms", count.succeeded() ? count.result() : null)
          .put("connections", connections.open())
          .put("subscriptions", stats.subscriptions())
          .put("documents_in_memory", stats.documentsInMemory())
          .put("queued_writes", stats.queuedWrites())
          .put("version", Version.VERSION)
          .put("timestamp", Timestamps.format(Instant.now()));
      if (reason != null) {
        body.put("reason", reason);
      }
      Json.send(ctx, reason == null ? 200 : 503, body);
    });
  }

  /**
   * For orchestrators: ready when the store answers and, in a cluster, this node is part of it (the
   * same conditions as /health's "healthy", without the counts).
   */
  private void ready(RoutingContext ctx) {
    rooms.problem().onComplete(ar -> {
      String reason = ar.failed() ? Errors.rootMessage(ar.cause()) : ar.result();
      JsonObject body = new JsonObject().put("status", reason == null ? "ready" : "not ready");
      if (reason != null) {
        body.put("reason", reason);
      }
      Json.send(ctx, reason == null ? 200 : 503, body);
    });
  }

  /**
   * {@code POST /api/rooms}. Naming a code is a lookup too (a "restored" answer tells that it exists):
   * not while the client waits out its misses, and a named code that was free counts as a miss.
   */
  private void createRoom(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String client = clientAddress.clientIp(request.remoteAddress(), request.headers());
    long retryAfter = rateLimiter.tryAcquire(client);
    if (retryAfter > 0) {
      ctx.response().putHeader("Retry-After", Long.toString(retryAfter));
      rooms.metrics().refused(ServerMetrics.Refusal.RATE_LIMITED);
      Json.fail(ctx, 429, ErrorMessages.TOO_MANY_REQUESTS);
      return;
    }
    JsonObject wishes = wishes(ctx);
    Object code = wishes.getValue("desired_room_code");
    Object hostId = wishes.getValue("desired_host_id");
    Object hostKey = wishes.getValue("host_key");
    if (code != null && !(code instanceof String s && Identifiers.isValidRoomCode(s))) {
      Json.fail(ctx, 400, Identifiers.INVALID_ROOM_CODE);
      return;
    }
    if (hostId != null && !(hostId instanceof String s && Identifiers.isValidPeerId(s))) {
      Json.fail(ctx, 400, Identifiers.INVALID_HOST_ID);
      return;
    }
    String desiredCode = code == null ? null : Identifiers.normalizeRoomCode((String) code);
    if (desiredCode != null && !lookups.admitted(ctx)) {
      return;
    }
    rooms.create(desiredCode, (String) hostId, hostKey instanceof String key ? key : null, client)
        .onSuccess(created -> {
          if (desiredCode != null && !created.restored()) {
            lookups.missed(ctx);
          }
          JsonObject body = new JsonObject()
              .put("success", true)
              .put("room_code", created.room().code())
              .put("room_id", created.room().roomId())
              .put("host_id", created.room().hostId())
              .put("websocket_url", websocketUrl(request));
          if (created.restored()) {
            body.put("restored", true);
          } else {
            body.put("host_key", created.hostKey()); // the only time it is ever shown
          }
          Json.send(ctx, 200, body);
        })
        .onFailure(err -> {
          if (desiredCode != null && err instanceof RoomRefusal refusal && REFUSED_AS_NEW.contains(refusal.reason)) {
            lookups.missed(ctx); // refused as a new room: the code was free
          }
          failRoomRequest(ctx, err, rooms.metrics());
        });
  }

  /** The optional body: missing, empty, non-JSON or non-object all mean "no wishes" (compat). */
  private static JsonObject wishes(RoutingContext ctx) {
    String text = ctx.body().asString();
    if (text == null || text.isBlank()) {
      return new JsonObject();
    }
    try {
      Object parsed = io.vertx.core.json.Json.decodeValue(text);
      return parsed instanceof JsonObject json ? json : new JsonObject();
    } catch (DecodeException e) {
      return new JsonObject();
    }
  }

  private void roomInfo(RoutingContext ctx) {
    String code = lookups.code(ctx);
    if (code == null) {
      return;
    }
    rooms.describe(code)
        .onSuccess(view -> {
          JsonArray peers = new JsonArray();
          view.peers().forEach(p -> peers.add(p.toJson()));
          Json.send(ctx, 200, new JsonObject()
              .put("success", true)
              .put("room_code", view.room().code())
              .put("host_id", view.room().hostId())
              .put("peers", peers)
              .put("created_at", Timestamps.format(view.room().createdAt()))
              .put("peer_count", peers.size())
              .put("empty_since", view.room().emptySince() == null ? null : Timestamps.format(view.room().emptySince())));
        })
        .onFailure(err -> lookups.fail(ctx, err));
  }

  /** The room code of the path, normalized; null (and a 404 sent) when it cannot name a room. */
  static String roomCode(RoutingContext ctx) {
    String raw = ctx.pathParam("room_code");
    if (!Identifiers.isValidRoomCode(raw)) {
      Json.fail(ctx, 404, ErrorMessages.ROOM_NOT_FOUND);
      return null;
    }
    return Identifiers.normalizeRoomCode(raw);
  }

  /** Answers a failed room request: a refusal as itself (counted), a store failure as 503. */
  static void failRoomRequest(RoutingContext ctx, Throwable err, ServerMetrics metrics) {
    if (err instanceof RoomRefusal refusal) {
      metrics.refused(refusal.reason.metric);
      Json.fail(ctx, refusal.reason.httpStatus, refusal.reason.message);
    } else if (err instanceof StoreException || err instanceof java.sql.SQLException) {
      log.warn("{} {}: store failed: {}", ctx.request().method(), BadRequestLog.printable(ctx.request().path()), Errors.rootMessage(err));
      Json.fail(ctx, 503, ErrorMessages.STORAGE_UNAVAILABLE);
    } else {
      ctx.fail(err);
    }
  }

  /**
   * From PUBLIC_URL when it is set; otherwise from the request (its Host, or what a trusted proxy
   * says in X-Forwarded-Host and -Proto; TLS directly or per that proxy), never a hard-coded address.
   */
  private String websocketUrl(HttpServerRequest request) {
    String publicUrl = security.publicUrl();
    if (publicUrl != null) { // http → ws, https → wss, the rest as given
      return "ws" + publicUrl.substring("http".length()) + "/ws";
    }
    String host = clientAddress.requestedHost(request.remoteAddress(), request.headers());
    if (host == null || !SAFE_HOST.matcher(host).matches()) {
      host = request.localAddress().hostAddress() + ":" + request.localAddress().port();
    }
    boolean tls = clientAddress.isTls(request.isSSL(), request.remoteAddress(), request.headers());
    return (tls ? "wss" : "ws") + "://" + host + "/ws";
  }
}
