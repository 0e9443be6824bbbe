package app.khuphaen.sync.room;

import java.util.function.LongConsumer;

/**
 * A room's latest document on this node, kept while the node has peers in the room, with its
 * {@link DocumentClock} stamp. A local sync is stamped, stored here, relayed and queued for the store
 * under one monitor, so anyone who has received a relay reads that document or a newer one, and this
 * node's syncs are relayed and stored in stamp order. A document from another node is taken only if
 * its stamp is not older than the one held.
 */
final class LatestDocument {
  private String document;
  private long stamp;
  private boolean known; // false until loaded from the store or replaced
  int localMembers; // guarded by the owning map's compute

  synchronized boolean isKnown() {
    return known;
  }

  synchronized DocumentState state() {
    return new DocumentState(document, stamp);
  }

  /** Takes the stored document unless a newer one arrived meanwhile. */
  synchronized void fill(String stored, long storedStamp) {
    if (!known || storedStamp > stamp) {
      document = stored;
      stamp = storedStamp;
      known = true;
    }
  }

  /** A sync on this node: stamps it and hands the stamp to {@code relayAndQueue}, all under the monitor. */
  synchronized void replace(String newDocument, DocumentClock clock, LongConsumer relayAndQueue) {
    stamp = clock.next();
    document = newDocument;
    known = true;
    relayAndQueue.accept(stamp);
  }

  /** A relayed document: taken if it is newer than the one held. */
  synchronized void offer(String relayed, long relayedStamp) {
    if (relayedStamp > stamp) {
      document = relayed;
      stamp = relayedStamp;
      known = true;
    }
  }
}
