package app.khuphaen.sync.room;

import app.khuphaen.sync.store.DocumentWriter;
import app.khuphaen.sync.store.RoomStore;
import app.khuphaen.sync.store.StoredDocument;
import io.vertx.core.Future;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The documents of this node's rooms. Only rooms with peers connected to this node keep theirs in
 * memory; any other read goes to what is queued for the store, then to the store.
 */
final class Documents {
  private final Map<String, LatestDocument> live = new ConcurrentHashMap<>();
  private final RoomStore store;
  private final DocumentWriter writer;

  Documents(RoomStore store, DocumentWriter writer) {
    this.store = store;
    this.writer = writer;
  }

  /** A local peer joined the room. */
  void retain(String code) {
    live.compute(code, (k, doc) -> {
      LatestDocument d = doc == null ? new LatestDocument() : doc;
      d.localMembers++;
      return d;
    });
  }

  /** A local peer left: the last one takes the room's document out of memory. */
  void release(String code) {
    live.computeIfPresent(code, (k, doc) -> --doc.localMembers == 0 ? null : doc);
  }

  /** The room's latest document, or null when it has none. */
  Future<String> get(String code) {
    LatestDocument doc = live.get(code);
    if (doc != null && doc.isKnown()) {
      return Future.succeededFuture(doc.get());
    }
    String unwritten = writer.unwritten(code);
    if (unwritten != null) {
      return Future.succeededFuture(unwritten);
    }
    return store.loadDocument(code).recover(err -> Future.failedFuture(new StoreUnavailableException(err))).map(stored -> {
      String text = stored == null ? null : stored.document();
      LatestDocument now = live.get(code);
      if (now != null) {
        now.fill(text);
        return now.get();
      }
      return text;
    });
  }

  /** Makes {@code document} the room's latest: relays it, then queues it for the store. */
  void replace(String code, String document, String writtenBy, Runnable relay) {
    LatestDocument doc = live.computeIfAbsent(code, k -> new LatestDocument());
    doc.replace(document, () -> {
      relay.run();
      writer.submit(code, document, writtenBy);
    });
  }

  /** The latest stored revision (what a backup gets), or null. */
  Future<StoredDocument> stored(String code) {
    return store.loadDocument(code);
  }

  /** The room is gone. */
  void forget(String code) {
    live.remove(code);
    writer.forget(code);
  }
}
