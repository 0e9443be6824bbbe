package app.khuphaen.sync.store;

import app.khuphaen.sync.room.RoomRecord;
import io.vertx.core.Future;

import java.util.List;

/** Where rooms and their documents are kept beyond the life of the process. */
public interface RoomStore {

  /** A short description for the start-up log, e.g. "memory" or "sqlite at ./data/rooms.db". */
  String describe();

  Future<List<RoomRecord>> loadRooms();

  Future<Void> saveRoom(RoomRecord room);

  /** Deletes the room and its documents. */
  Future<Void> deleteRoom(String code);

  Future<Void> saveDocument(String code, String document, String writtenBy);

  /** The room's latest document, or null when it has none. */
  Future<String> loadDocument(String code);

  Future<Void> close();
}
