package app.khuphaen.sync.room;

import app.khuphaen.sync.store.DocumentWriter;
import app.khuphaen.sync.store.RoomStore;
import app.khuphaen.sync.store.StoredDocument;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongConsumer;

/**
 * The documents of this node's rooms. Only rooms with peers connected to this node keep theirs in
 * memory. A node holding a room's document answers for it on the event bus, so a joiner on a node
 * without it gets the live document from another node; only when no node holds it is the store read.
 */
final class Documents {
  private static final long ASK_TIMEOUT_MS = 2_000;

  private final Map<String, LatestDocument> live = new ConcurrentHashMap<>();
  private final Vertx vertx;
  private final RoomStore store;
  private final DocumentWriter writer;
  private final DocumentClock clock = new DocumentClock();

  Documents(Vertx vertx, RoomStore store, DocumentWriter writer) {
    this.vertx = vertx;
    this.store = store;
    this.writer = writer;
  }

  static String holderAddress(String code) {
    return "kp.doc." + code;
  }

  /** Rooms whose document this node keeps in memory. */
  int inMemory() {
    return live.size();
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
    LatestDocument[] dropped = {null};
    live.computeIfPresent(code, (k, doc) -> {
      if (--doc.localMembers > 0) {
        return doc;
      }
      dropped[0] = doc;
      return null;
    });
    if (dropped[0] != null) {
      stopHolding(dropped[0]);
    }
  }

  /** The room's latest document and its stamp. */
  Future<DocumentState> get(String code) {
    LatestDocument doc = live.get(code);
    if (doc != null && doc.isKnown()) {
      return Future.succeededFuture(doc.state());
    }
    DocumentState unwritten = writer.unwritten(code);
    if (unwritten != null) {
      return Future.succeededFuture(unwritten);
    }
    return askOtherNodes(code)
        .recover(none -> store.loadDocument(code).recover(err -> Future.failedFuture(new RoomRefusal(RoomRefusal.Reason.STORAGE_UNAVAILABLE, err))))
        .map(found -> {
          String text = found == null ? null : found.document();
          long stamp = found == null ? 0 : found.stamp();
          clock.observe(stamp);
          LatestDocument now = live.get(code);
          if (now == null) {
            return new DocumentState(text, stamp);
          }
          now.fill(text, stamp);
          hold(code, now);
          return now.state();
        });
  }

  /** A sync on this node: stamps {@code document}, makes it the room's latest, relays it, queues it for the store. */
  void replace(String code, String document, String writtenBy, LongConsumer relay) {
    LatestDocument doc = live.computeIfAbsent(code, k -> new LatestDocument());
    doc.replace(document, clock, stamp -> {
      relay.accept(stamp);
      writer.submit(code, document, writtenBy, stamp);
    });
    hold(code, doc);
  }

  /** A relayed document reaching this node: kept as the room's latest if it is the newest seen here. */
  void offer(String code, String document, long stamp) {
    clock.observe(stamp);
    LatestDocument doc = live.get(code);
    if (doc != null) {
      doc.offer(document, stamp);
      hold(code, doc);
    }
  }

  /** The room is gone. */
  void forget(String code) {
    LatestDocument doc = live.remove(code);
    if (doc != null) {
      stopHolding(doc);
    }
    writer.forget(code);
  }

  /** The live document of another node that holds it; fails when none does. */
  private Future<StoredDocument> askOtherNodes(String code) {
    return vertx.eventBus().<JsonObject>request(holderAddress(code), null, new DeliveryOptions().setSendTimeout(ASK_TIMEOUT_MS))
        .map(reply -> new StoredDocument(0, reply.body().getString("document"), null, null, reply.body().getLong("stamp")));
  }

  /** Starts answering for the room's document once this node knows it. */
  private void hold(String code, LatestDocument doc) {
    synchronized (doc) {
      if (doc.holder != null || !doc.isKnown() || live.get(code) != doc) {
        return;
      }
      doc.holder = vertx.eventBus().consumer(holderAddress(code), request -> {
        if (doc.get() == null) {
          request.fail(404, "no document");
        } else {
          request.reply(new JsonObject().put("document", doc.get()).put("stamp", doc.stamp()));
        }
      });
    }
  }

  private static void stopHolding(LatestDocument doc) {
    synchronized (doc) {
      if (doc.holder != null) {
        doc.holder.unregister();
        doc.holder = null;
      }
    }
  }
}
