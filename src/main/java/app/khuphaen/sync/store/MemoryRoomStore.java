package app.khuphaen.sync.store;

import app.khuphaen.sync.model.JsonString;
import app.khuphaen.sync.model.RoomRecord;
import io.vertx.core.Future;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Keeps everything in this process: for ephemeral use and tests. Lost on restart. */
public final class MemoryRoomStore implements RoomStore {
  private final int keep;
  private final Map<String, RoomRecord> rooms = new ConcurrentHashMap<>();
  private final Map<String, List<StoredDocument>> documents = new ConcurrentHashMap<>();

  public MemoryRoomStore(int keepRevisions) {
    this.keep = keepRevisions;
  }

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

  /** Decodes the document on the caller's thread: this store has none of its own. */
  @Override
  public Future<SaveOutcome> saveDocument(String code, JsonString document, String writtenBy, Instant writtenAt, long stamp) {
    if (!rooms.containsKey(code)) {
      return Future.succeededFuture(SaveOutcome.ROOM_GONE);
    }
    List<StoredDocument> kept = documents.computeIfAbsent(code, k -> new ArrayList<>());
    synchronized (kept) {
      StoredDocument latest = kept.isEmpty() ? null : kept.get(kept.size() - 1);
      if (latest != null && latest.stamp() > stamp) {
        return Future.succeededFuture(SaveOutcome.SUPERSEDED);
      }
      long revision = latest == null ? 1 : latest.revision() + 1;
      kept.add(new StoredDocument(revision, document.decode(), writtenBy, writtenAt, stamp));
      while (kept.size() > keep) {
        kept.remove(0);
      }
      return Future.succeededFuture(new SaveOutcome.Stored(revision));
    }
  }

  @Override
  public Future<StoredDocument> loadDocument(String code) {
    List<StoredDocument> kept = documents.get(code);
    if (kept == null) {
      return Future.succeededFuture();
    }
    synchronized (kept) {
      return Future.succeededFuture(kept.isEmpty() ? null : kept.get(kept.size() - 1));
    }
  }

  @Override
  public Future<List<RevisionInfo>> revisions(String code) {
    List<StoredDocument> kept = documents.getOrDefault(code, List.of());
    synchronized (kept) {
      return Future.succeededFuture(kept.stream()
          .sorted(Comparator.comparingLong(StoredDocument::revision).reversed())
          .map(d -> new RevisionInfo(d.revision(), d.document().getBytes(StandardCharsets.UTF_8).length,
              d.writtenBy(), d.writtenAt()))
          .toList());
    }
  }

  @Override
  public Future<Map<String, RevisionInfo>> latestRevisions() {
    Map<String, RevisionInfo> latest = new HashMap<>();
    documents.keySet().forEach(code -> revisions(code).result().stream().findFirst()
        .ifPresent(newest -> latest.put(code, newest)));
    return Future.succeededFuture(latest);
  }

  @Override
  public Future<StoredDocument> revision(String code, long revision) {
    List<StoredDocument> kept = documents.getOrDefault(code, List.of());
    synchronized (kept) {
      return Future.succeededFuture(kept.stream().filter(d -> d.revision() == revision).findFirst().orElse(null));
    }
  }

  @Override
  public Future<Void> ping() {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }
}
