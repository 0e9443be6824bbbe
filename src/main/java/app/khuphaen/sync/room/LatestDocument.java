package app.khuphaen.sync.room;

import app.khuphaen.sync.model.DocumentState;
import app.khuphaen.sync.model.JsonString;
import java.util.function.LongConsumer;

/**
 * A room's latest document on this node, kept while the node has peers in the room, with its
 * {@link DocumentClock} stamp. A local sync is stamped, stored here, relayed and queued for the store
 * under one monitor, so anyone who has received a relay reads that document or a newer one, and this
 * node's syncs are relayed and stored in stamp order. A document from another node is taken only if
 * its stamp is not older than the one held.
 *
 * <p>The text may be let go to keep within the node's document memory ({@link #evict}): the stamp
 * stays, so an older relay is still refused, and the text is found again where it was queued or
 * stored. Every change answers how many bytes of heap the held text grew by ({@link #weight}).
 */
final class LatestDocument {
  private JsonString document;
  private long stamp;
  private boolean known; // false until loaded from the store or replaced, and again once evicted
  private long lastUsed = System.nanoTime();
  int localMembers; // guarded by the owning map's compute

  /** The document and its stamp, or null when this node does not hold its text. */
  synchronized DocumentState knownState() {
    lastUsed = System.nanoTime();
    return known ? new DocumentState(document, stamp) : null;
  }

  /** Takes the stored document unless a newer one arrived meanwhile. */
  synchronized long fill(JsonString stored, long storedStamp) {
    if (!known && storedStamp >= stamp || storedStamp > stamp) {
      return set(stored, storedStamp);
    }
    return 0;
  }

  /** A sync on this node: stamps it and hands the stamp to {@code relayAndQueue}, all under the monitor. */
  synchronized long replace(JsonString newDocument, DocumentClock clock, LongConsumer relayAndQueue) {
    long grown = set(newDocument, clock.next());
    relayAndQueue.accept(stamp);
    return grown;
  }

  /** A relayed document: taken if it is newer than the one held. */
  synchronized long offer(JsonString relayed, long relayedStamp) {
    return relayedStamp > stamp ? set(relayed, relayedStamp) : 0;
  }

  /** Lets the text go (the stamp stays); answers the bytes freed. */
  synchronized long evict() {
    long freed = weight();
    document = null;
    known = false;
    return freed;
  }

  synchronized long lastUsed() {
    return lastUsed;
  }

  /** Heap the held text takes: its escaped bytes. */
  synchronized long weight() {
    return document == null ? 0 : document.escapedLength();
  }

  private long set(JsonString newDocument, long newStamp) {
    long before = weight();
    document = newDocument;
    stamp = newStamp;
    known = true;
    lastUsed = System.nanoTime();
    return weight() - before;
  }
}
