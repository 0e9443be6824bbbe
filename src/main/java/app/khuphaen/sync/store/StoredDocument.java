package app.khuphaen.sync.store;

import java.time.Instant;

/**
 * One stored revision of a room's document. {@code stamp} orders syncs across nodes: the store never
 * lets an older stamp replace a newer one.
 */
public record StoredDocument(long revision, String document, String writtenBy, Instant writtenAt, long stamp) {}
