package app.khuphaen.sync.model;

/**
 * A room's document (null when it has none), escaped as it is relayed, with its DocumentClock stamp
 * (0 when none).
 */
public record DocumentState(JsonString document, long stamp) {}
