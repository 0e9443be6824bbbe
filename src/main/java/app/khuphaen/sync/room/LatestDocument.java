package app.khuphaen.sync.room;

/**
 * A room's latest document on this node. Replacing stores the new document first and then relays it,
 * under one monitor, so that anyone who has received a relay reads that document or a newer one, and
 * concurrent syncs are relayed in the order they were stored.
 */
final class LatestDocument {
  private volatile String document;

  LatestDocument(String document) {
    this.document = document;
  }

  String get() {
    return document;
  }

  synchronized void replace(String newDocument, Runnable relay) {
    document = newDocument;
    relay.run();
  }
}
