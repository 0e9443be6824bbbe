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

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Write-behind for documents: the relay never waits for the store. Per room at most one write is in
 * flight, and a write starts at least {@code minInterval} after the room's previous one started; syncs
 * that arrive meanwhile coalesce into the next write (latest wins). So someone typing into a large task
 * list costs a few writes a second, however often the front end syncs, revisions are never reordered,
 * and the kept revisions span more than the last second. A failed write is retried with back-off, and
 * the latest document stays here, in memory, until the store has it. {@link #idle} ends every wait.
 */
public final class DocumentWriter {
  private static final Logger log = LoggerFactory.getLogger(DocumentWriter.class);
  private static final long FIRST_BACKOFF_MS = 100;
  private static final long MAX_BACKOFF_MS = 5_000;

  /** {@code queuedNanos}: when it entered the queue (System.nanoTime), for kp_store_write_seconds. */
  private record Pending(JsonString document, String writtenBy, Instant writtenAt, long stamp, long queuedNanos) {}

  /**
   * A room with a write in flight, waiting for a retry or resting after a write (until the interval
   * has passed); absent when everything is stored and the interval is over. Guarded by itself.
   */
  private static final class Slot {
    Pending next;
    Pending writing;
    long backoffMs = FIRST_BACKOFF_MS;
    long lastStartNanos;
    boolean resting;
    long restTimer;
  }

  private final Vertx vertx;
  private final RoomStore store;
  private final StoreHealth health;
  private final ServerMetrics metrics;
  private final long minIntervalNanos;
  private final Map<String, Slot> slots = new ConcurrentHashMap<>();
  private final List<Promise<Void>> idleWaiters = new ArrayList<>();

  /** @param minInterval the least time between the starts of two writes of one room (zero: none) */
  public DocumentWriter(Vertx vertx, RoomStore store, StoreHealth health, ServerMetrics metrics, Duration minInterval) {
    this.vertx = vertx;
    this.store = store;
    this.health = health;
    this.metrics = metrics;
    this.minIntervalNanos = minInterval.toNanos();
    metrics.gauge("kp.store.queued.writes", "rooms whose latest document waits to be stored", this::queued);
  }

  /** Queues {@code document} as the room's latest; it replaces any queued but unwritten one. */
  public void submit(String code, JsonString document, String writtenBy, long stamp) {
    Pending pending = new Pending(document, writtenBy, Instant.now(), stamp, System.nanoTime());
    Slot[] started = {null};
    slots.compute(code, (k, slot) -> {
      if (slot == null) {
        slot = new Slot();
        started[0] = slot;
      }
      synchronized (slot) {
        slot.next = pending;
      }
      return slot;
    });
    if (started[0] != null) {
      writeNext(code, started[0]);
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
    Slot slot = slots.remove(code);
    if (slot != null) {
      stopResting(slot);
    }
    notifyIfIdle();
  }

  /**
   * Completes once every queued document is stored (or at once if none is); rooms resting after a
   * write have their next one written at once, so waiting for this (at shutdown) never waits out an
   * interval.
   */
  public Future<Void> idle() {
    Promise<Void> promise = Promise.promise();
    synchronized (idleWaiters) {
      if (slots.isEmpty()) {
        return Future.succeededFuture();
      }
      idleWaiters.add(promise);
    }
    slots.forEach((code, slot) -> {
      if (stopResting(slot)) {
        writeNext(code, slot);
      }
    });
    return promise.future();
  }

  /** Rooms whose latest document waits to be stored. */
  public int queued() {
    int queued = 0;
    for (Slot slot : slots.values()) {
      synchronized (slot) {
        queued += slot.next != null || slot.writing != null ? 1 : 0;
      }
    }
    return queued;
  }

  /** Writes the room's next document, if {@code expected} is still its slot; removes the slot when there is none. */
  private void writeNext(String code, Slot expected) {
    Pending[] taken = {null};
    boolean[] stale = {false};
    slots.computeIfPresent(code, (k, slot) -> {
      if (slot != expected) { // forgotten, and the room since written to again: not ours to touch
        stale[0] = true;
        return slot;
      }
      synchronized (slot) {
        taken[0] = slot.next;
        slot.next = null;
        slot.writing = taken[0];
        slot.lastStartNanos = System.nanoTime();
      }
      return taken[0] == null ? null : slot; // nothing left: the room is idle
    });
    if (stale[0]) {
      return;
    }
    if (taken[0] == null) {
      notifyIfIdle();
      return;
    }
    Slot current = expected;
    Pending pending = taken[0];
    store.saveDocument(code, pending.document(), pending.writtenBy(), pending.writtenAt(), pending.stamp()).onComplete(ar -> {
      if (ar.succeeded()) {
        health.succeeded();
        metrics.documentStored(System.nanoTime() - pending.queuedNanos());
        if (ar.result() instanceof SaveOutcome.Stored stored) {
          log.debug("{} document revision {} stored", kv("room", code), stored.revision());
        }
        rest(code, current);
      } else {
        health.failed("document write", ar.cause());
        long[] delay = {-1}; // stays -1 when the room was forgotten meanwhile
        slots.computeIfPresent(code, (k, slot) -> {
          if (slot == current) {
            synchronized (slot) {
              if (slot.next == null) {
                slot.next = pending; // nothing newer arrived: retry this one
              }
              delay[0] = slot.backoffMs;
              slot.backoffMs = Math.min(slot.backoffMs * 2, MAX_BACKOFF_MS);
            }
          }
          return slot;
        });
        if (delay[0] >= 0) {
          vertx.setTimer(delay[0], id -> writeNext(code, current));
        }
      }
    });
  }

  /** After a stored write: the next one starts when the interval since this one's start is over. */
  private void rest(String code, Slot slot) {
    long waitNanos;
    synchronized (slot) {
      slot.writing = null;
      slot.backoffMs = FIRST_BACKOFF_MS;
      waitNanos = minIntervalNanos - (System.nanoTime() - slot.lastStartNanos);
      if (waitNanos > 0) {
        slot.resting = true;
        long waitMs = (waitNanos + 999_999) / 1_000_000; // rounded down, the timer would come too soon
        slot.restTimer = vertx.setTimer(waitMs, id -> {
          if (stopResting(slot)) {
            writeNext(code, slot);
          }
        });
      }
    }
    if (waitNanos <= 0) {
      writeNext(code, slot);
      return;
    }
    boolean someoneWaits;
    synchronized (idleWaiters) { // idle() may have passed this slot over just before it began to rest
      someoneWaits = !idleWaiters.isEmpty();
    }
    if (someoneWaits && stopResting(slot)) {
      writeNext(code, slot);
    }
  }

  /** Ends the slot's rest; true for the one caller that ended it, who then writes next. */
  private boolean stopResting(Slot slot) {
    synchronized (slot) {
      if (!slot.resting) {
        return false;
      }
      slot.resting = false;
      vertx.cancelTimer(slot.restTimer);
      return true;
    }
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
