package app.khuphaen.sync.room;

/** A room's document (null when it has none) with its {@link DocumentClock} stamp (0 when none). */
public record DocumentState(String document, long stamp) {
  static final DocumentState NONE = new DocumentState(null, 0);
}
