package app.khuphaen.sync.model;

import io.vertx.core.json.JsonObject;

import java.time.Instant;

/**
 * A room as the registry and the store keep it. {@code emptySince} is null while peers are in it;
 * {@code hostKeyHash} is the SHA-256 of its host key (null for rooms made before keys existed).
 */
public record RoomRecord(String code, String roomId, String hostId, Instant createdAt, Instant emptySince,
                         String hostKeyHash) {

  public RoomRecord withEmptySince(Instant since) {
    return new RoomRecord(code, roomId, hostId, createdAt, since, hostKeyHash);
  }

  public boolean idleLongerThan(long seconds, Instant now) {
    return emptySince != null && !emptySince.plusSeconds(seconds).isAfter(now);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("code", code)
        .put("room_id", roomId)
        .put("host_id", hostId)
        .put("created_at", Timestamps.format(createdAt))
        .put("empty_since", emptySince == null ? null : Timestamps.format(emptySince))
        .put("host_key_hash", hostKeyHash);
  }

  public static RoomRecord fromJson(JsonObject json) {
    String empty = json.getString("empty_since");
    return new RoomRecord(
        json.getString("code"),
        json.getString("room_id"),
        json.getString("host_id"),
        Timestamps.parse(json.getString("created_at")),
        empty == null ? null : Timestamps.parse(empty),
        json.getString("host_key_hash"));
  }
}
