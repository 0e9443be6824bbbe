package app.khuphaen.sync.store;

/** What {@link RoomStore#saveDocument} did with a document. */
public sealed interface SaveOutcome {
  /** Kept as the room's latest document, under this revision number. */
  record Stored(long revision) implements SaveOutcome {}

  /** Not kept: the room was removed meanwhile (the idle sweep, its host). */
  record RoomGone() implements SaveOutcome {}

  /** Not kept: a document with a newer stamp is stored already (another node's sync won). */
  record Superseded() implements SaveOutcome {}

  /**
   * Not kept: the store holds STORE_MAX_BYTES of rooms' newest documents, and this one would add to
   * them (old revisions are deleted first, so only newest ones are left).
   */
  record StoreFull() implements SaveOutcome {}

  SaveOutcome ROOM_GONE = new RoomGone();
  SaveOutcome STORE_FULL = new StoreFull();
  SaveOutcome SUPERSEDED = new Superseded();
}
