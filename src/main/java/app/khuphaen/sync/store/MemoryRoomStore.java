package app.khuphaen.sync.store;

import app.khuphaen.sync.room.RoomRecord;
import io.vertx.core.Future;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Keeps everything in this process: lost on restart. */
public final class MemoryRoomStore implements RoomStore {
  private final Map<String, RoomRecord> rooms = new ConcurrentHashMap<>();
  private final Map<String, String> documents = new ConcurrentHashMap<>();

  @Override
  public String describe() {
    return "memory (rooms and documents are lost on restart)";
  }

  @Override
  public Future<List<RoomRecord>> loadRooms() {
    return Future.succeededFuture(List.copyOf(rooms.values()));
  }

  @Override
  public Future<Void> saveRoom(RoomRecord room) {
    rooms.put(room.code(), room);
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> deleteRoom(String code) {
    rooms.remove(code);
    documents.remove(code);
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> saveDocument(String code, String document, String writtenBy) {
    documents.put(code, document);
    return Future.succeededFuture();
  }

  @Override
  public Future<String> loadDocument(String code) {
    return Future.succeededFuture(documents.get(code));
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }
}
