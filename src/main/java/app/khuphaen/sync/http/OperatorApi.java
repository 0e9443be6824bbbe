package app.khuphaen.sync.http;

import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.model.Timestamps;
import app.khuphaen.sync.protocol.CloseCodes;
import app.khuphaen.sync.protocol.ErrorMessages;
import app.khuphaen.sync.protocol.Identifiers;
import app.khuphaen.sync.room.Connection;
import app.khuphaen.sync.room.RoomOverview;
import app.khuphaen.sync.room.RoomService;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The operator's side: Prometheus metrics at {@code /metrics} (open, or behind METRICS_TOKEN), the
 * admin API under {@code /api/admin/} (behind ADMIN_TOKEN; every route 404 while it is unset) and
 * the status page at {@code /status}, which reads both from the browser.
 */
final class OperatorApi {
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  /** The status page loads only its own files and talks only to this server. */
  private static final String STATUS_PAGE_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:";

  private final RoomService rooms;
  private final PrometheusMeterRegistry registry;
  private final byte[] adminToken;
  private final byte[] metricsToken;

  OperatorApi(RoomService rooms, PrometheusMeterRegistry registry, Settings.Security security) {
    this.rooms = rooms;
    this.registry = registry;
    this.adminToken = bytes(security.adminToken());
    this.metricsToken = bytes(security.metricsToken());
  }

  void addRoutes(Router router, Vertx vertx) {
    router.get("/metrics").handler(ctx -> metrics(ctx, vertx));
    router.route("/api/admin/*").handler(this::admitOperator);
    router.get("/api/admin/rooms").handler(this::listRooms);
    router.get("/api/admin/rooms/:room_code").handler(this::showRoom);
    router.delete("/api/admin/rooms/:room_code").handler(this::deleteRoom);
    router.post("/api/admin/rooms/:room_code/peers/:peer_id/disconnect").handler(this::disconnect);
    router.get("/status").handler(ctx -> statusFile(ctx, "index.html", "text/html; charset=utf-8"));
    router.get("/status/status.js").handler(ctx -> statusFile(ctx, "status.js", "text/javascript; charset=utf-8"));
    router.get("/status/status.css").handler(ctx -> statusFile(ctx, "status.css", "text/css; charset=utf-8"));
  }

  /** Text exposition, built on a worker (a scrape walks every meter). */
  private void metrics(RoutingContext ctx, Vertx vertx) {
    if (metricsToken != null && !(presented(ctx, metricsToken) || adminToken != null && presented(ctx, adminToken))) {
      unauthorized(ctx);
      return;
    }
    vertx.executeBlocking(registry::scrape, false).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
      } else {
        ctx.response().putHeader("Content-Type", PROMETHEUS_TEXT).end(ar.result());
      }
    });
  }

  private void admitOperator(RoutingContext ctx) {
    if (adminToken == null) {
      Json.fail(ctx, 404, ErrorMessages.NOT_FOUND); // the admin API is off
    } else if (!presented(ctx, adminToken)) {
      unauthorized(ctx);
    } else {
      ctx.next();
    }
  }

  private void listRooms(RoutingContext ctx) {
    rooms.overview()
        .onSuccess(list -> {
          JsonArray all = new JsonArray();
          list.forEach(room -> all.add(toJson(room)));
          Json.send(ctx, 200, new JsonObject().put("success", true).put("rooms", all));
        })
        .onFailure(err -> RestApi.failRoomRequest(ctx, err, rooms.metrics()));
  }

  private void showRoom(RoutingContext ctx) {
    String code = RestApi.roomCode(ctx);
    if (code == null) {
      return;
    }
    rooms.overview(code)
        .onSuccess(room -> Json.send(ctx, 200, new JsonObject().put("success", true).put("room", toJson(room))))
        .onFailure(err -> RestApi.failRoomRequest(ctx, err, rooms.metrics()));
  }

  private void deleteRoom(RoutingContext ctx) {
    String code = RestApi.roomCode(ctx);
    if (code == null) {
      return;
    }
    rooms.deleteByOperator(code)
        .onSuccess(v -> Json.send(ctx, 200, new JsonObject().put("success", true).put("room_code", code)))
        .onFailure(err -> RestApi.failRoomRequest(ctx, err, rooms.metrics()));
  }

  private void disconnect(RoutingContext ctx) {
    String code = RestApi.roomCode(ctx);
    if (code == null) {
      return;
    }
    String peerId = ctx.pathParam("peer_id");
    if (!Identifiers.isValidPeerId(peerId)) {
      Json.fail(ctx, 404, ErrorMessages.PEER_NOT_FOUND);
      return;
    }
    rooms.disconnect(code, peerId, ErrorMessages.DISCONNECTED_BY_OPERATOR)
        .onSuccess(found -> {
          if (found) {
            Json.send(ctx, 200, new JsonObject().put("success", true).put("room_code", code).put("peer_id", peerId)
                .put("close_code", CloseCodes.DISCONNECTED_BY_OPERATOR));
          } else {
            Json.fail(ctx, 404, ErrorMessages.PEER_NOT_FOUND);
          }
        })
        .onFailure(err -> RestApi.failRoomRequest(ctx, err, rooms.metrics()));
  }

  private static JsonObject toJson(RoomOverview.Room overview) {
    JsonArray peers = new JsonArray();
    overview.peers().forEach(peer -> {
      JsonArray connections = new JsonArray();
      for (Connection c : peer.connections()) {
        connections.add(new JsonObject().put("id", c.id()).put("node", Connection.nodeOf(c.id())).put("address", c.address()));
      }
      peers.add(peer.info().toJson().put("connections", connections));
    });
    JsonObject document = overview.document() == null ? null : new JsonObject()
        .put("revision", overview.document().revision())
        .put("size", overview.document().size())
        .put("written_at", Timestamps.format(overview.document().writtenAt()));
    return new JsonObject()
        .put("code", overview.room().code())
        .put("created_at", Timestamps.format(overview.room().createdAt()))
        .put("host_id", overview.room().hostId())
        .put("peer_count", peers.size())
        .put("peers", peers)
        .put("document", document)
        .put("last_activity", Timestamps.format(overview.lastActivity()))
        .put("empty_since", overview.room().emptySince() == null ? null : Timestamps.format(overview.room().emptySince()));
  }

  private static void statusFile(RoutingContext ctx, String name, String contentType) {
    ctx.response()
        .putHeader("Content-Type", contentType)
        .putHeader("Content-Security-Policy", STATUS_PAGE_POLICY)
        .putHeader("Cache-Control", "no-cache")
        .putHeader("Referrer-Policy", "no-referrer")
        .sendFile("status/" + name);
  }

  /** Whether the request carries {@code Authorization: Bearer <token>} (compared in constant time). */
  private static boolean presented(RoutingContext ctx, byte[] token) {
    String header = ctx.request().getHeader("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    return MessageDigest.isEqual(header.substring(7).trim().getBytes(StandardCharsets.UTF_8), token);
  }

  private static void unauthorized(RoutingContext ctx) {
    ctx.response().putHeader("WWW-Authenticate", "Bearer");
    Json.fail(ctx, 401, ErrorMessages.UNAUTHORIZED);
  }

  private static byte[] bytes(String token) {
    return token == null ? null : token.getBytes(StandardCharsets.UTF_8);
  }
}
