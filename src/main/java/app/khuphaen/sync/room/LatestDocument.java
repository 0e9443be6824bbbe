package app.khuphaen.sync.room;

/**
 * A room's latest document on this node, kept while the node has peers in the room. Replacing stores
 * the new document, relays it and queues it for the store under one monitor, so that anyone who has
 * received a relay reads that document or a newer one, and concurrent syncs are relayed and stored in
 * the same order.
 */
final class LatestDocument {
  private String document;
  private boolean known; // false until loaded from the store or replaced
  int localMembers; // guarded by the owning map's compute

  synchronized boolean isKnown() {
    return known;
  }

  synchronized String get() {
    return document;
  }

  /** Takes the stored document unless a newer one was synced meanwhile. */
  synchronized void fill(String stored) {
    if (!known) {
      document = stored;
      known = true;
    }
  }

  synchronized void replace(String newDocument, Runnable relayAndQueue) {
    document = newDocument;
    known = true;
    relayAndQueue.run();
  }
}
