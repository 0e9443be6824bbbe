package app.khuphaen.sync.room;

import app.khuphaen.sync.store.DocumentWriter;
import app.khuphaen.sync.store.RoomStore;
import app.khuphaen.sync.store.StoredDocument;
import io.vertx.core.Future;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongConsumer;

/**
 * The documents of this node's rooms. Only rooms with peers connected to this node keep theirs in
 * memory; any other read goes to what is queued for the store, then to the store.
 */
final class Documents {
  private final Map<String, LatestDocument> live = new ConcurrentHashMap<>();
  private final RoomStore store;
  private final DocumentWriter writer;
  private final DocumentClock clock = new DocumentClock();

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
      long stamp = stored == null ? 0 : stored.stamp();
      clock.observe(stamp);
      LatestDocument now = live.get(code);
      if (now != null) {
        now.fill(text, stamp);
        return now.get();
      }
      return text;
    });
  }

  /** A sync on this node: stamps {@code document}, makes it the room's latest, relays it, queues it for the store. */
  void replace(String code, String document, String writtenBy, LongConsumer relay) {
    LatestDocument doc = live.computeIfAbsent(code, k -> new LatestDocument());
    doc.replace(document, clock, stamp -> {
      relay.accept(stamp);
      writer.submit(code, document, writtenBy, stamp);
    });
  }

  /** A relayed document reaching this node: kept as the room's latest if it is the newest seen here. */
  void offer(String code, String document, long stamp) {
    clock.observe(stamp);
    LatestDocument doc = live.get(code);
    if (doc != null) {
      doc.offer(document, stamp);
    }
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
