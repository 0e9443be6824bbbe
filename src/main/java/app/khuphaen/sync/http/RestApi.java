package app.khuphaen.sync.http;

import app.khuphaen.sync.Version;
import app.khuphaen.sync.protocol.Identifiers;
import app.khuphaen.sync.protocol.Timestamps;
import app.khuphaen.sync.room.RoomNotFoundException;
import app.khuphaen.sync.room.RoomService;
import io.vertx.core.Vertx;
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
  private static final Pattern SAFE_HOST = Pattern.compile("[A-Za-z0-9.\\-:\\[\\]]{1,255}");

  private final RoomService rooms;
  private final CreationRateLimiter rateLimiter;
  private final ConnectionCounter connections;

  public RestApi(RoomService rooms, CreationRateLimiter rateLimiter, ConnectionCounter connections) {
    this.rooms = rooms;
    this.rateLimiter = rateLimiter;
    this.connections = connections;
  }

  public Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    router.route().handler(CorsHandler.create()
        .addOrigin("*")
        .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH,
            HttpMethod.DELETE, HttpMethod.HEAD, HttpMethod.OPTIONS)));
    router.get("/").handler(this::info);
    router.get("/health").handler(this::health);
    router.post("/api/rooms").handler(BodyHandler.create().setBodyLimit(MAX_BODY_BYTES)).handler(this::createRoom);
    router.get("/api/rooms/:room_code").handler(this::roomInfo);
    router.errorHandler(404, ctx -> Json.fail(ctx, 404, "Not found"));
    router.errorHandler(405, ctx -> Json.fail(ctx, 405, "Method not allowed"));
    router.errorHandler(413, ctx -> Json.fail(ctx, 413, "Request body too large"));
    router.errorHandler(500, ctx -> {
      log.error("{} {} failed", ctx.request().method(), ctx.request().path(), ctx.failure());
      Json.fail(ctx, 500, "Internal server error");
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
    rooms.roomCount()
        .onSuccess(count -> Json.send(ctx, 200, new JsonObject()
            .put("status", "healthy")
            .put("rooms", count)
            .put("connections", connections.open())
            .put("version", Version.VERSION)
            .put("timestamp", Timestamps.format(Instant.now()))))
        .onFailure(err -> Json.send(ctx, 503, new JsonObject()
            .put("status", "unhealthy")
            .put("reason", err.getMessage())
            .put("timestamp", Timestamps.format(Instant.now()))));
  }

  private void createRoom(RoutingContext ctx) {
    long retryAfter = rateLimiter.tryAcquire(ctx.request().remoteAddress().hostAddress());
    if (retryAfter > 0) {
      ctx.response().putHeader("Retry-After", Long.toString(retryAfter));
      Json.fail(ctx, 429, "Too many requests");
      return;
    }
    JsonObject wishes = wishes(ctx);
    Object code = wishes.getValue("desired_room_code");
    Object hostId = wishes.getValue("desired_host_id");
    if (code != null && !(code instanceof String s && Identifiers.isValidRoomCode(s))) {
      Json.fail(ctx, 400, Identifiers.INVALID_ROOM_CODE);
      return;
    }
    if (hostId != null && !(hostId instanceof String s && Identifiers.isValidPeerId(s))) {
      Json.fail(ctx, 400, Identifiers.INVALID_HOST_ID);
      return;
    }
    String desiredCode = code == null ? null : Identifiers.normalizeRoomCode((String) code);
    rooms.create(desiredCode, (String) hostId)
        .onSuccess(created -> {
          JsonObject body = new JsonObject()
              .put("success", true)
              .put("room_code", created.room().code())
              .put("room_id", created.room().roomId())
              .put("host_id", created.room().hostId())
              .put("websocket_url", websocketUrl(ctx.request()));
          if (created.restored()) {
            body.put("restored", true);
          }
          Json.send(ctx, 200, body);
        })
        .onFailure(ctx::fail);
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
    String raw = ctx.pathParam("room_code");
    if (!Identifiers.isValidRoomCode(raw)) {
      Json.fail(ctx, 404, "Room not found");
      return;
    }
    rooms.describe(Identifiers.normalizeRoomCode(raw))
        .onSuccess(view -> {
          JsonArray peers = new JsonArray();
          view.peers().forEach(p -> peers.add(p.toJson()));
          Json.send(ctx, 200, new JsonObject()
              .put("success", true)
              .put("room_code", view.room().code())
              .put("host_id", view.room().hostId())
              .put("peers", peers)
              .put("created_at", Timestamps.format(view.room().createdAt()))
              .put("peer_count", peers.size()));
        })
        .onFailure(err -> {
          if (err instanceof RoomNotFoundException) {
            Json.fail(ctx, 404, err.getMessage());
          } else {
            ctx.fail(err);
          }
        });
  }

  /** Built from the request (Host header, TLS or not), never a hard-coded address. */
  private static String websocketUrl(HttpServerRequest request) {
    String host = request.getHeader("Host");
    if (host == null || !SAFE_HOST.matcher(host).matches()) {
      host = request.localAddress().hostAddress() + ":" + request.localAddress().port();
    }
    return (request.isSSL() ? "wss" : "ws") + "://" + host + "/ws";
  }
}
