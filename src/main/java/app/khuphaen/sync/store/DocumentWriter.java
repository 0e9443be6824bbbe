package app.khuphaen.sync.store;

import static net.logstash.logback.argument.StructuredArguments.kv;

import app.khuphaen.sync.metrics.ServerMetrics;
import app.khuphaen.sync.model.DocumentState;
import app.khuphaen.sync.model.JsonString;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Write-behind for documents: the relay never waits for the store. Per room at most one write is in
 * flight; syncs that arrive meanwhile coalesce into the next write (latest wins), so a burst costs few
 * writes and revisions are never reordered. A failed write is retried with back-off, and the latest
 * document stays here, in memory, until the store has it.
 */
public final class DocumentWriter {
  private static final Logger log = LoggerFactory.getLogger(DocumentWriter.class);
  private static final long FIRST_BACKOFF_MS = 100;
  private static final long MAX_BACKOFF_MS = 5_000;

  /** {@code queuedNanos}: when it entered the queue (System.nanoTime), for kp_store_write_seconds. */
  private record Pending(JsonString document, String writtenBy, Instant writtenAt, long stamp, long queuedNanos) {}

  /** A room with a write in flight or waiting for a retry; absent when everything is stored. */
  private static final class Slot {
    Pending next;
    Pending writing;
    long backoffMs = FIRST_BACKOFF_MS;
  }

  private final Vertx vertx;
  private final RoomStore store;
  private final StoreHealth health;
  private final ServerMetrics metrics;
  private final Map<String, Slot> slots = new ConcurrentHashMap<>();
  private final List<Promise<Void>> idleWaiters = new ArrayList<>();

  public DocumentWriter(Vertx vertx, RoomStore store, StoreHealth health, ServerMetrics metrics) {
    this.vertx = vertx;
    this.store = store;
    this.health = health;
    this.metrics = metrics;
    metrics.gauge("kp.store.queued.writes", "rooms whose latest document waits to be stored", this::queued);
  }

  /** Queues {@code document} as the room's latest; it replaces any queued but unwritten one. */
  public void submit(String code, JsonString document, String writtenBy, long stamp) {
    Pending pending = new Pending(document, writtenBy, Instant.now(), stamp, System.nanoTime());
    boolean[] start = {false};
    slots.compute(code, (k, slot) -> {
      if (slot == null) {
        slot = new Slot();
        start[0] = true;
      }
      slot.next = pending;
      return slot;
    });
    if (start[0]) {
      writeNext(code);
    }
  }

  /** The room's newest document that the store does not have yet (with its stamp), or null. */
  public DocumentState unwritten(String code) {
    Slot slot = slots.get(code);
    if (slot == null) {
      return null;
    }
    synchronized (slot) {
      Pending newest = slot.next != null ? slot.next : slot.writing;
      return newest == null ? null : new DocumentState(newest.document(), newest.stamp());
    }
  }

  /** The room is gone: drop what was queued for it. */
  public void forget(String code) {
    slots.remove(code);
    notifyIfIdle();
  }

  /** Completes once every queued document is stored (or at once if none is). */
  public Future<Void> idle() {
    synchronized (idleWaiters) {
      if (slots.isEmpty()) {
        return Future.succeededFuture();
      }
      Promise<Void> promise = Promise.promise();
      idleWaiters.add(promise);
      return promise.future();
    }
  }

  public int queued() {
    return slots.size();
  }

  private void writeNext(String code) {
    Pending[] taken = {null};
    Slot current = slots.computeIfPresent(code, (k, slot) -> {
      synchronized (slot) {
        taken[0] = slot.next;
        slot.next = null;
        slot.writing = taken[0];
      }
      return taken[0] == null ? null : slot; // nothing left: the room is idle
    });
    if (current == null) {
      notifyIfIdle();
      return;
    }
    Pending pending = taken[0];
    store.saveDocument(code, pending.document(), pending.writtenBy(), pending.writtenAt(), pending.stamp()).onComplete(ar -> {
      if (ar.succeeded()) {
        health.succeeded();
        metrics.documentStored(System.nanoTime() - pending.queuedNanos());
        current.backoffMs = FIRST_BACKOFF_MS;
        if (ar.result() instanceof SaveOutcome.Stored stored) {
          log.debug("{} document revision {} stored", kv("room", code), stored.revision());
        }
        writeNext(code);
      } else {
        health.failed("document write", ar.cause());
        long delay = current.backoffMs;
        current.backoffMs = Math.min(current.backoffMs * 2, MAX_BACKOFF_MS);
        boolean stillWanted = slots.computeIfPresent(code, (k, slot) -> {
          synchronized (slot) {
            if (slot.next == null) {
              slot.next = pending; // nothing newer arrived: retry this one
            }
          }
          return slot;
        }) != null;
        if (stillWanted) {
          vertx.setTimer(delay, id -> writeNext(code));
        }
      }
    });
  }

  private void notifyIfIdle() {
    List<Promise<Void>> ready;
    synchronized (idleWaiters) {
      if (!slots.isEmpty() || idleWaiters.isEmpty()) {
        return;
      }
      ready = new ArrayList<>(idleWaiters);
      idleWaiters.clear();
    }
    ready.forEach(Promise::tryComplete);
  }
}
