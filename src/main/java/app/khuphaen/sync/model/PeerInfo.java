package app.khuphaen.sync.model;

import io.vertx.core.json.JsonObject;

import java.time.Instant;

/** One peer as presence lists it. {@code metadata} is any decoded JSON value or null. */
public record PeerInfo(String id, Instant joinedAt, boolean isHost, Object metadata) {

  public JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("joined_at", Timestamps.format(joinedAt))
        .put("is_host", isHost)
        .put("metadata", metadata);
  }
}
