package app.khuphaen.sync.store;

import java.time.Instant;

/** What the revision list shows of one stored revision. {@code size} is in UTF-8 bytes. */
public record RevisionInfo(long revision, long size, String writtenBy, Instant writtenAt) {}
