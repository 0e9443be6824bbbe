package app.khuphaen.sync.room;

import app.khuphaen.sync.model.DocumentState;
import app.khuphaen.sync.model.JsonString;
import app.khuphaen.sync.model.Reservation;
import app.khuphaen.sync.protocol.ServerMessages;
import app.khuphaen.sync.store.DocumentWriter;
import app.khuphaen.sync.store.RoomStore;
import app.khuphaen.sync.store.StoredDocument;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * The documents of this node's rooms. Only rooms with peers connected to this node keep theirs in
 * memory. A joiner on a node that does not know the room's document gets it from the other nodes
 * (each answers at its own address, {@code kp.node.<id>.doc}, with its live document or one still
 * waiting for the store there), and from the store when no node has peers in the room.
 */
final class Documents {
  private static final long ASK_TIMEOUT_MS = 2_000;

  private final Map<String, LatestDocument> live = new ConcurrentHashMap<>();
  private final AtomicLong held = new AtomicLong(); // heap the live documents' texts take
  private final long maxHeld;
  private final Vertx vertx;
  private final RoomStore store;
  private final DocumentWriter writer;
  private final String nodeId;
  private final Supplier<List<String>> clusterNodes;
  private final DocumentClock clock = new DocumentClock();

  private Documents(Vertx vertx, RoomStore store, DocumentWriter writer, String nodeId, Supplier<List<String>> clusterNodes,
                    long maxHeld) {
    this.maxHeld = maxHeld;
    this.vertx = vertx;
    this.store = store;
    this.writer = writer;
    this.nodeId = nodeId;
    this.clusterNodes = clusterNodes;
  }

  /** Starts answering other nodes' questions; completes once the cluster can reach this node's address. */
  static Future<Documents> start(Vertx vertx, RoomStore store, DocumentWriter writer, String nodeId,
                                 Supplier<List<String>> clusterNodes, long maxHeld) {
    Documents documents = new Documents(vertx, store, writer, nodeId, clusterNodes, maxHeld);
    MessageConsumer<String> questions = vertx.eventBus().consumer(address(nodeId), message -> {
      Answer answer = documents.answer(message.body());
      if (answer == null) {
        message.fail(404, "no document");
      } else {
        message.reply(answer.toJson());
      }
    });
    return questions.completion().map(documents);
  }

  static String address(String nodeId) {
    return "kp.node." + nodeId + ".doc";
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
    live.computeIfPresent(code, (k, doc) -> {
      if (--doc.localMembers > 0) {
        return doc;
      }
      held.addAndGet(-doc.evict());
      return null;
    });
  }

  /** Heap the documents held in memory take (their escaped bytes). */
  long heldBytes() {
    return held.get();
  }

  /** The room's latest document and its stamp. */
  Future<DocumentState> get(String code) {
    LatestDocument doc = live.get(code);
    DocumentState known = doc == null ? null : doc.knownState();
    if (known != null) {
      return Future.succeededFuture(known);
    }
    return newestKnown(code).map(found -> {
      clock.observe(found.stamp());
      LatestDocument now = live.get(code);
      if (now == null) {
        return found;
      }
      grown(now.fill(found.document(), found.stamp()));
      DocumentState filled = now.knownState();
      return filled != null ? filled : found; // evicted again at once: the memory is that tight
    });
  }

  /**
   * A sync on this node: stamps {@code document}, makes it the room's latest, relays it, queues it for
   * the store (its write counting against {@code client}'s write rate, {@code held} released once it
   * is stored or replaced).
   */
  void replace(String code, JsonString document, String writtenBy, String client, Reservation held, LongConsumer relay) {
    LatestDocument doc = live.computeIfAbsent(code, k -> new LatestDocument());
    grown(doc.replace(document, clock, stamp -> {
      relay.accept(stamp);
      writer.submit(code, document, writtenBy, client, stamp, held);
    }));
  }

  /** A relayed document reaching this node: kept as the room's latest if it is the newest seen here. */
  void offer(String code, JsonString document, long stamp) {
    clock.observe(stamp);
    LatestDocument doc = live.get(code);
    if (doc != null) {
      grown(doc.offer(document, stamp));
    }
  }

  /** The room is gone. */
  void forget(String code) {
    LatestDocument doc = live.remove(code);
    if (doc != null) {
      held.addAndGet(-doc.evict());
    }
    writer.forget(code);
  }

  /**
   * Keeps the documents' texts within DOCUMENT_MEMORY_BYTES: past it, the least recently used are let
   * go (their stamps stay). Nothing is lost: a text let go is still queued for the store, or stored,
   * or live on another node, and is fetched from there when next needed.
   */
  private void grown(long bytes) {
    if (held.addAndGet(bytes) > maxHeld && bytes > 0) {
      synchronized (this) {
        List<LatestDocument> oldestFirst = new ArrayList<>(live.values());
        oldestFirst.sort(Comparator.comparingLong(LatestDocument::lastUsed));
        for (LatestDocument doc : oldestFirst) {
          if (held.get() <= maxHeld) {
            return;
          }
          held.addAndGet(-doc.evict());
        }
      }
    }
  }

  /**
   * What this node can tell another about the room's document: its live one (authoritative: while
   * this node has peers in the room every sync reaches it) or, failing that, one still queued for the
   * store here; null when neither.
   */
  Answer answer(String code) {
    LatestDocument doc = live.get(code);
    DocumentState unwritten = writer.unwritten(code);
    DocumentState state = doc == null ? null : doc.knownState();
    if (state != null) {
      return new Answer(unwritten != null && unwritten.stamp() > state.stamp() ? unwritten : state, true);
    }
    return unwritten == null ? null : new Answer(unwritten, false);
  }

  /**
   * The newest of what this node still has queued for the store and what the other nodes answer. The
   * store is read unless another node answered with its live document, or this node is alone and has
   * one queued (then that is the newest there is).
   */
  private Future<DocumentState> newestKnown(String code) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(ASK_TIMEOUT_MS);
    List<Future<Answer>> asked = clusterNodes.get().stream()
        .filter(node -> !node.equals(nodeId))
        .map(node -> vertx.eventBus().<JsonObject>request(address(node), code, options)
            .map(reply -> Answer.fromJson(reply.body())))
        .toList();
    DocumentState unwritten = writer.unwritten(code);
    return Future.join(asked).transform(ar -> {
      List<Answer> answers = new ArrayList<>(asked.stream().filter(Future::succeeded).map(Future::result).toList());
      if (unwritten != null) {
        answers.add(new Answer(unwritten, asked.isEmpty()));
      }
      DocumentState newest = answers.stream().map(Answer::state)
          .max(Comparator.comparingLong(DocumentState::stamp)).orElse(null);
      if (answers.stream().anyMatch(Answer::live)) {
        return Future.succeededFuture(newest);
      }
      return store.loadDocument(code)
          .recover(err -> Future.failedFuture(new RoomRefusal(RoomRefusal.Reason.STORAGE_UNAVAILABLE, err)))
          .map(stored -> newer(newest, stored));
    });
  }

  private static DocumentState newer(DocumentState answered, StoredDocument stored) {
    DocumentState fromStore = stored == null ? new DocumentState(null, 0)
        : new DocumentState(stored.document(), stored.stamp());
    return answered != null && answered.stamp() > fromStore.stamp() ? answered : fromStore;
  }

  /**
   * One node's answer; {@code live} when it comes from a node with peers in the room. The document
   * travels as its document_sync frame, the form every node keeps it in.
   */
  record Answer(DocumentState state, boolean live) {
    JsonObject toJson() {
      JsonString document = state.document();
      return new JsonObject().put("frame", document == null ? null : ServerMessages.documentSync(document))
          .put("stamp", state.stamp()).put("live", live);
    }

    static Answer fromJson(JsonObject json) {
      byte[] frame = json.getBinary("frame");
      JsonString document = frame == null ? null : ServerMessages.documentOf(frame);
      return new Answer(new DocumentState(document, json.getLong("stamp")), json.getBoolean("live"));
    }
  }
}
