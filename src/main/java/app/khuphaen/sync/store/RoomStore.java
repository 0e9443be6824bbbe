package app.khuphaen.sync.store;

import app.khuphaen.sync.model.RoomRecord;
import io.vertx.core.Future;

import app.khuphaen.sync.model.JsonString;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Where rooms and their documents are kept beyond the life of the process. Every method is
 * asynchronous and safe to call from an event loop; implementations with blocking drivers run them
 * on worker threads.
 */
public interface RoomStore {

  /** What and where, for the start-up log, e.g. "sqlite at data/khu-phaen.db". */
  String describe();

  Future<List<RoomRecord>> loadRooms();

  /** Inserts the room or updates its {@code emptySince}. */
  Future<Void> saveRoom(RoomRecord room);

  /** How many of the stored rooms {@code creator} created (RoomRecord#createdBy). */
  Future<Integer> roomsCreatedBy(String creator);

  /**
   * Whether the last document that needed room found none (SaveOutcome#STORE_FULL) and nothing has
   * been deleted since: new rooms are refused meanwhile.
   */
  boolean full();

  /** Deletes the room and all its revisions. */
  Future<Void> deleteRoom(String code);

  /**
   * Stores a new revision as the room's latest document, unless the latest stored one has a newer
   * stamp, and keeps of the room's revisions what {@link StoreLimits} says; past the store's bound,
   * other rooms' old revisions go too, or the document is refused (SaveOutcome#STORE_FULL). The document comes escaped, as it was relayed:
   * it is decoded where it is stored, off the event loops.
   */
  Future<SaveOutcome> saveDocument(String code, JsonString document, String writtenBy, Instant writtenAt, long stamp);

  /** The latest revision, or null when the room has no document. */
  Future<StoredDocument> loadDocument(String code);

  /** The kept revisions, newest first. */
  Future<List<RevisionInfo>> revisions(String code);

  /** Every room's newest revision, by room code (rooms without a document are absent). */
  Future<Map<String, RevisionInfo>> latestRevisions();

  /** One kept revision, or null. */
  Future<StoredDocument> revision(String code, long revision);

  /** Succeeds when the store answers. */
  Future<Void> ping();

  Future<Void> close();
}
