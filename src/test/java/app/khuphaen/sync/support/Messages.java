package app.khuphaen.sync.support;

import io.vertx.core.json.JsonObject;

/** Client messages as the front end sends them. */
public final class Messages {
  private Messages() {}

  public static JsonObject join(String code, String peerId, boolean isHost) {
    return new JsonObject().put("action", "join").put("room_code", code).put("peer_id", peerId).put("is_host", isHost);
  }

  public static JsonObject broadcast(String data) {
    return new JsonObject().put("action", "broadcast").put("data", data);
  }

  public static JsonObject syncDocument(String document) {
    return new JsonObject().put("action", "sync_document").put("document", document);
  }

  public static JsonObject action(String action) {
    return new JsonObject().put("action", action);
  }
}
