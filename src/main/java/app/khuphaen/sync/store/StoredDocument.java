package app.khuphaen.sync.store;

import java.time.Instant;

/** One stored revision of a room's document. */
public record StoredDocument(long revision, String document, String writtenBy, Instant writtenAt) {}
