package app.khuphaen.sync.store;

import app.khuphaen.sync.model.JsonString;
import app.khuphaen.sync.model.RoomRecord;
import io.vertx.core.Future;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps everything in this process: for ephemeral use and tests. Lost on restart. The same
 * {@link StoreLimits} as the database stores; every call under this store's monitor.
 */
public final class MemoryRoomStore implements RoomStore {
  private final StoreLimits limits;
  private final Map<String, RoomRecord> rooms = new HashMap<>();
  /** Each room's revisions, oldest first. */
  private final Map<String, List<Kept>> documents = new HashMap<>();
  private long storedBytes;
  private boolean full;

  private record Kept(StoredDocument document, long size) {
    RevisionInfo info() {
      return new RevisionInfo(document.revision(), size, document.writtenBy(), document.writtenAt());
    }
  }

  public MemoryRoomStore(int keepRevisions) {
    this(StoreLimits.keeping(keepRevisions));
  }

  public MemoryRoomStore(StoreLimits limits) {
    this.limits = limits;
  }

  @Override
  public String describe() {
    return "memory (rooms and documents are lost on restart)";
  }

  @Override
  public synchronized Future<List<RoomRecord>> loadRooms() {
    return Future.succeededFuture(List.copyOf(rooms.values()));
  }

  @Override
  public synchronized Future<Void> saveRoom(RoomRecord room) {
    RoomRecord before = rooms.get(room.code());
    // as the database stores do: an existing room takes only its idle clock and whether it was used
    rooms.put(room.code(), before == null ? room
        : new RoomRecord(before.code(), before.roomId(), before.hostId(), before.createdAt(), room.emptySince(),
            before.hostKeyHash(), before.createdBy(), room.used()));
    return Future.succeededFuture();
  }

  @Override
  public synchronized Future<Integer> roomsCreatedBy(String creator) {
    return Future.succeededFuture((int) rooms.values().stream().filter(r -> creator.equals(r.createdBy())).count());
  }

  @Override
  public synchronized boolean full() {
    return full;
  }

  @Override
  public synchronized Future<Void> deleteRoom(String code) {
    rooms.remove(code);
    List<Kept> gone = documents.remove(code);
    if (gone != null) {
      gone.forEach(k -> storedBytes -= k.size());
      full = false;
    }
    return Future.succeededFuture();
  }

  /** Decodes the document on the caller's thread: this store has none of its own. */
  @Override
  public synchronized Future<SaveOutcome> saveDocument(String code, JsonString document, String writtenBy,
                                                       Instant writtenAt, long stamp) {
    if (!rooms.containsKey(code)) {
      return Future.succeededFuture(SaveOutcome.ROOM_GONE);
    }
    List<Kept> kept = documents.computeIfAbsent(code, k -> new ArrayList<>());
    Kept latest = kept.isEmpty() ? null : kept.get(kept.size() - 1);
    if (latest != null && latest.document().stamp() > stamp) {
      return Future.succeededFuture(SaveOutcome.SUPERSEDED);
    }
    long revision = latest == null ? 1 : latest.document().revision() + 1;
    Kept added = new Kept(new StoredDocument(revision, document, writtenBy, writtenAt, stamp), document.utf8Length());
    kept.add(added);
    storedBytes += added.size();
    thin(kept);
    if (storedBytes > limits.maxBytes() && !makeRoom()) {
      kept.remove(added); // as a rolled-back transaction: the write never happened
      storedBytes -= added.size();
      full = true;
      return Future.succeededFuture(SaveOutcome.STORE_FULL);
    }
    full = false;
    return Future.succeededFuture(new SaveOutcome.Stored(revision));
  }

  private void thin(List<Kept> oldestFirst) {
    List<RevisionInfo> newestFirst = new ArrayList<>();
    for (int i = oldestFirst.size() - 1; i >= 0; i--) {
      newestFirst.add(oldestFirst.get(i).info());
    }
    List<RevisionInfo> keep = limits.kept(newestFirst);
    oldestFirst.removeIf(k -> {
      boolean drop = !keep.contains(k.info());
      if (drop) {
        storedBytes -= k.size();
      }
      return drop;
    });
  }

  /** Deletes old revisions as {@link StoreLimits#trim} says; false (nothing deleted) when that is not enough. */
  private boolean makeRoom() {
    Map<String, List<RevisionInfo>> old = new HashMap<>();
    Map<String, Long> held = new HashMap<>();
    documents.forEach((room, kept) -> {
      for (int i = 0; i < kept.size(); i++) {
        held.merge(room, kept.get(i).size(), Long::sum);
        if (i < kept.size() - 1) {
          old.computeIfAbsent(room, k -> new ArrayList<>()).add(kept.get(i).info());
        }
      }
    });
    List<StoreLimits.Removal> removals = StoreLimits.trim(old, held, storedBytes - limits.maxBytes());
    if (removals == null) {
      return false;
    }
    for (StoreLimits.Removal removal : removals) {
      documents.get(removal.room()).removeIf(k -> k.document().revision() == removal.revision());
      storedBytes -= removal.bytes();
    }
    return true;
  }

  @Override
  public synchronized Future<StoredDocument> loadDocument(String code) {
    List<Kept> kept = documents.get(code);
    return Future.succeededFuture(kept == null || kept.isEmpty() ? null : kept.get(kept.size() - 1).document());
  }

  @Override
  public synchronized Future<List<RevisionInfo>> revisions(String code) {
    List<RevisionInfo> newestFirst = new ArrayList<>();
    List<Kept> kept = documents.getOrDefault(code, List.of());
    for (int i = kept.size() - 1; i >= 0; i--) {
      newestFirst.add(kept.get(i).info());
    }
    return Future.succeededFuture(newestFirst);
  }

  @Override
  public synchronized Future<Map<String, RevisionInfo>> latestRevisions() {
    Map<String, RevisionInfo> latest = new HashMap<>();
    documents.forEach((code, kept) -> {
      if (!kept.isEmpty()) {
        latest.put(code, kept.get(kept.size() - 1).info());
      }
    });
    return Future.succeededFuture(latest);
  }

  @Override
  public synchronized Future<StoredDocument> revision(String code, long revision) {
    return Future.succeededFuture(documents.getOrDefault(code, List.of()).stream()
        .map(Kept::document).filter(d -> d.revision() == revision).findFirst().orElse(null));
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
