package app.khuphaen.sync.http;

import app.khuphaen.sync.metrics.ServerMetrics;
import app.khuphaen.sync.protocol.ErrorMessages;
import app.khuphaen.sync.protocol.Identifiers;
import app.khuphaen.sync.room.LookupMisses;
import app.khuphaen.sync.room.RoomRefusal;
import io.vertx.ext.web.RoutingContext;

/**
 * The public REST routes that name a room by its code, guarded against guessing
 * ({@link LookupMisses}): a client waiting out its misses is answered 429 {@code Too many requests}
 * with {@code Retry-After} before any room is looked at, and a code that names no room (or cannot
 * name one) counts as one more miss. The operator's routes are not guarded: they need the admin token.
 */
final class RoomLookups {
  private final LookupMisses misses;
  private final ClientAddress clientAddress;
  private final ServerMetrics metrics;

  RoomLookups(LookupMisses misses, ClientAddress clientAddress, ServerMetrics metrics) {
    this.misses = misses;
    this.clientAddress = clientAddress;
    this.metrics = metrics;
  }

  /** The path's room code, normalized; null once the request is answered (429 while waiting; 404, a miss). */
  String code(RoutingContext ctx) {
    if (!admitted(ctx)) {
      return null;
    }
    String raw = ctx.pathParam("room_code");
    if (!Identifiers.isValidRoomCode(raw)) {
      missed(ctx);
      metrics.refused(ServerMetrics.Refusal.ROOM_NOT_FOUND);
      Json.fail(ctx, 404, ErrorMessages.ROOM_NOT_FOUND);
      return null;
    }
    return Identifiers.normalizeRoomCode(raw);
  }

  /** Whether the client may name a room now; if not, it is answered 429 with Retry-After. */
  boolean admitted(RoutingContext ctx) {
    long wait = misses.waitSeconds(client(ctx));
    if (wait == 0) {
      return true;
    }
    metrics.refused(ServerMetrics.Refusal.TOO_MANY_MISSES);
    ctx.response().putHeader("Retry-After", Long.toString(wait));
    Json.fail(ctx, 429, ErrorMessages.TOO_MANY_REQUESTS);
    return false;
  }

  /** The code the client named names no room. */
  void missed(RoutingContext ctx) {
    misses.missed(client(ctx));
  }

  /** As {@link RestApi#failRoomRequest}, a ROOM_NOT_FOUND counting as a miss. */
  void fail(RoutingContext ctx, Throwable err) {
    if (err instanceof RoomRefusal refusal && refusal.reason == RoomRefusal.Reason.ROOM_NOT_FOUND) {
      missed(ctx);
    }
    RestApi.failRoomRequest(ctx, err, metrics);
  }

  private String client(RoutingContext ctx) {
    return clientAddress.clientIp(ctx.request().remoteAddress(), ctx.request().headers());
  }
}
