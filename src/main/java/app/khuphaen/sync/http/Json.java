package app.khuphaen.sync.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** JSON answers, and the protocol's {@code {"success":false,"error":…}} shape, in one place. */
final class Json {
  private Json() {}

  static void send(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.encode());
  }

  static void fail(RoutingContext ctx, int status, String error) {
    send(ctx, status, new JsonObject().put("success", false).put("error", error));
  }
}
