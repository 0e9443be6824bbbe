package app.khuphaen.sync.room;

import app.khuphaen.sync.model.RoomRecord;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;

import java.util.List;

/**
 * Which rooms exist: room code to {@link RoomRecord}, in Vert.x shared data (a local map on one
 * node, a cluster-wide map when clustered). Changes other than creation run under the room's lock.
 */
final class RoomRegistry {
  private final AsyncMap<String, JsonObject> map;

  RoomRegistry(AsyncMap<String, JsonObject> map) {
    this.map = map;
  }

  Future<RoomRecord> get(String code) {
    return map.get(code).map(json -> json == null ? null : RoomRecord.fromJson(json));
  }

  /** Atomic create: answers the room that already had this code, or null if {@code room} was stored. */
  Future<RoomRecord> putIfAbsent(RoomRecord room) {
    return map.putIfAbsent(room.code(), room.toJson()).map(json -> json == null ? null : RoomRecord.fromJson(json));
  }

  Future<Void> put(RoomRecord room) {
    return map.put(room.code(), room.toJson());
  }

  Future<Void> remove(String code) {
    return map.remove(code).mapEmpty();
  }

  Future<List<RoomRecord>> all() {
    return map.values().map(values -> values.stream().map(RoomRecord::fromJson).toList());
  }

  Future<Integer> count() {
    return map.size();
  }
}
