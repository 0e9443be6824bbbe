package app.khuphaen.sync.http;

import app.khuphaen.sync.model.Timestamps;
import app.khuphaen.sync.protocol.ErrorMessages;
import app.khuphaen.sync.room.RoomService;
import app.khuphaen.sync.store.StoredDocument;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The Ext endpoints of a room beyond the original protocol: its stored documents and revisions (for
 * backups and recovery), and the host's actions, deleting the room and restoring a revision. Every one
 * takes the host key as {@code Authorization: Bearer <host_key>}, in every HOST_AUTH mode: the stored
 * task list and its history are the host's, not anyone's who learns the code.
 */
final class HostAndBackupApi {
  private final RoomService rooms;
  private final RoomLookups lookups;
  private final ClientAddress clientAddress;

  HostAndBackupApi(RoomService rooms, RoomLookups lookups, ClientAddress clientAddress) {
    this.rooms = rooms;
    this.lookups = lookups;
    this.clientAddress = clientAddress;
  }

  void addRoutes(Router router) {
    router.get("/api/rooms/:room_code/document").handler(this::storedDocument);
    router.get("/api/rooms/:room_code/revisions").handler(this::revisions);
    router.get("/api/rooms/:room_code/revisions/:rev").handler(this::revision);
    router.delete("/api/rooms/:room_code").handler(this::deleteRoom);
    router.post("/api/rooms/:room_code/revisions/:rev/restore").handler(this::restoreRevision);
  }

  /** {@code GET /api/rooms/:room_code/document}: the latest stored revision, its number in ETag. */
  private void storedDocument(RoutingContext ctx) {
    String code = lookups.code(ctx);
    if (code == null) {
      return;
    }
    rooms.storedDocument(code, bearer(ctx))
        .onSuccess(doc -> sendDocument(ctx, doc))
        .onFailure(err -> lookups.fail(ctx, err));
  }

  private void revisions(RoutingContext ctx) {
    String code = lookups.code(ctx);
    if (code == null) {
      return;
    }
    rooms.revisions(code, bearer(ctx))
        .onSuccess(list -> {
          JsonArray revisions = new JsonArray();
          list.forEach(r -> revisions.add(new JsonObject()
              .put("revision", r.revision())
              .put("size", r.size())
              .put("written_by", r.writtenBy())
              .put("written_at", Timestamps.format(r.writtenAt()))));
          Json.send(ctx, 200, new JsonObject().put("success", true).put("room_code", code).put("revisions", revisions));
        })
        .onFailure(err -> lookups.fail(ctx, err));
  }

  private void revision(RoutingContext ctx) {
    String code = lookups.code(ctx);
    Long revision = code == null ? null : revisionNumber(ctx);
    if (revision == null) {
      return;
    }
    rooms.revision(code, revision, bearer(ctx))
        .onSuccess(doc -> sendDocument(ctx, doc))
        .onFailure(err -> lookups.fail(ctx, err));
  }

  /** {@code DELETE /api/rooms/:room_code} with {@code Authorization: Bearer <host_key>}. */
  private void deleteRoom(RoutingContext ctx) {
    String code = lookups.code(ctx);
    if (code == null) {
      return;
    }
    rooms.delete(code, bearer(ctx))
        .onSuccess(v -> Json.send(ctx, 200, new JsonObject().put("success", true).put("room_code", code)))
        .onFailure(err -> lookups.fail(ctx, err));
  }

  /** {@code POST /api/rooms/:room_code/revisions/:rev/restore} with {@code Authorization: Bearer <host_key>}. */
  private void restoreRevision(RoutingContext ctx) {
    String code = lookups.code(ctx);
    Long revision = code == null ? null : revisionNumber(ctx);
    if (revision == null) {
      return;
    }
    rooms.restoreRevision(code, revision, bearer(ctx),
        clientAddress.clientIp(ctx.request().remoteAddress(), ctx.request().headers()))
        .onSuccess(doc -> {
          if (doc == null) {
            Json.fail(ctx, 404, ErrorMessages.NO_SUCH_REVISION);
          } else {
            Json.send(ctx, 200, new JsonObject().put("success", true).put("room_code", code).put("restored_revision", revision));
          }
        })
        .onFailure(err -> lookups.fail(ctx, err));
  }

  /** The {@code :rev} of the path; null (and a 400 sent) when it is not a whole number. */
  private static Long revisionNumber(RoutingContext ctx) {
    try {
      return Long.parseLong(ctx.pathParam("rev"));
    } catch (NumberFormatException e) {
      Json.fail(ctx, 400, ErrorMessages.INVALID_REVISION);
      return null;
    }
  }

  private static String bearer(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    return header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
  }

  private static void sendDocument(RoutingContext ctx, StoredDocument doc) {
    if (doc == null) {
      Json.fail(ctx, 404, ErrorMessages.NO_DOCUMENT);
      return;
    }
    ctx.response()
        .putHeader("Content-Type", "application/json; charset=utf-8")
        .putHeader("ETag", "\"" + doc.revision() + "\"")
        .putHeader("Last-Modified", DateTimeFormatter.RFC_1123_DATE_TIME.format(doc.writtenAt().atZone(ZoneOffset.UTC)))
        .end(io.vertx.core.buffer.Buffer.buffer(doc.document().decodeUtf8()));
  }
}
