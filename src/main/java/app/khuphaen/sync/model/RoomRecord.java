package app.khuphaen.sync.model;

import io.vertx.core.json.JsonObject;

import java.time.Instant;

/**
 * A room as the registry and the store keep it. {@code emptySince} is null while peers are in it;
 * {@code hostKeyHash} is the SHA-256 of its host key (null for rooms made before keys existed);
 * {@code createdBy} the client address (an IPv6 one by its /64) that created it, against whose
 * MAX_ROOMS_PER_IP it counts (null for rooms made before that was kept); {@code used} whether anyone
 * has ever joined it (a room nobody joined is swept after UNUSED_ROOM_TIMEOUT_SECONDS).
 */
public record RoomRecord(String code, String roomId, String hostId, Instant createdAt, Instant emptySince,
                         String hostKeyHash, String createdBy, boolean used) {

  public RoomRecord withEmptySince(Instant since) {
    return new RoomRecord(code, roomId, hostId, createdAt, since, hostKeyHash, createdBy, used);
  }

  /** Someone is in it now: not empty, and used from now on. */
  public RoomRecord occupied() {
    return new RoomRecord(code, roomId, hostId, createdAt, null, hostKeyHash, createdBy, true);
  }

  /**
   * Whether the sweep may remove it at {@code now}: empty for at least {@code idleSeconds} (0: kept
   * however long it is empty), or, never joined, for at least {@code unusedSeconds} if that is sooner
   * (0: as any room).
   */
  public boolean sweepable(long idleSeconds, long unusedSeconds, Instant now) {
    if (emptySince == null) {
      return false;
    }
    long after = idleSeconds;
    if (!used && unusedSeconds > 0) {
      after = idleSeconds > 0 ? Math.min(idleSeconds, unusedSeconds) : unusedSeconds;
    }
    return after > 0 && !emptySince.plusSeconds(after).isAfter(now);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("code", code)
        .put("room_id", roomId)
        .put("host_id", hostId)
        .put("created_at", Timestamps.format(createdAt))
        .put("empty_since", emptySince == null ? null : Timestamps.format(emptySince))
        .put("host_key_hash", hostKeyHash)
        .put("created_by", createdBy)
        .put("used", used);
  }

  public static RoomRecord fromJson(JsonObject json) {
    String empty = json.getString("empty_since");
    return new RoomRecord(
        json.getString("code"),
        json.getString("room_id"),
        json.getString("host_id"),
        Timestamps.parse(json.getString("created_at")),
        empty == null ? null : Timestamps.parse(empty),
        json.getString("host_key_hash"),
        json.getString("created_by"),
        json.getBoolean("used", true));
  }
}
