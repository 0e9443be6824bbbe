package app.khuphaen.sync.store;

import app.khuphaen.sync.model.JsonString;

import java.time.Instant;

/**
 * One stored revision of a room's document, as the relay keeps it (escaped UTF-8: no String of a
 * multi-MB document is made on its way from the store to a socket). {@code stamp} orders syncs
 * across nodes: the store never lets an older stamp replace a newer one.
 */
public record StoredDocument(long revision, JsonString document, String writtenBy, Instant writtenAt, long stamp) {}
