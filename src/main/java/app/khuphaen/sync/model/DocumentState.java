package app.khuphaen.sync.model;

/** A room's document (null when it has none) with its DocumentClock stamp (0 when none). */
public record DocumentState(String document, long stamp) {}
