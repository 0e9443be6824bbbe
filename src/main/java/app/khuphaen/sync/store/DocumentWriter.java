package app.khuphaen.sync.store;

import static net.logstash.logback.argument.StructuredArguments.kv;

import app.khuphaen.sync.metrics.ServerMetrics;
import app.khuphaen.sync.model.DocumentState;
import app.khuphaen.sync.model.JsonString;
import app.khuphaen.sync.model.Reservation;
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
 * flight, and a write starts at least {@code minInterval} after the room's previous one started, and
 * not before the room's and its writer's byte rates allow ({@link WriteRates}); syncs that arrive
 * meanwhile coalesce into the next write (latest wins). So someone typing into a large task
 * list costs a few writes a second, however often the front end syncs, revisions are never reordered,
 * and the kept revisions span more than the last second. A failed write is retried with back-off, and
 * the latest document stays here, in memory, until the store has it. {@link #idle} ends every wait.
 */
public final class DocumentWriter {
  private static final Logger log = LoggerFactory.getLogger(DocumentWriter.class);
  private static final long FIRST_BACKOFF_MS = 100;
  private static final long MAX_BACKOFF_MS = 5_000;

  /**
   * {@code client}: the writer's address (its write rate), or null; {@code queuedNanos}: when it
   * entered the queue (System.nanoTime), for kp_store_write_seconds.
   */
  private record Pending(JsonString document, String writtenBy, String client, Instant writtenAt, long stamp,
                         long queuedNanos, Reservation held) {}

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
  private final WriteRates rates;
  private final Map<String, Slot> slots = new ConcurrentHashMap<>();
  private final List<Promise<Void>> idleWaiters = new ArrayList<>();

  /** @param minInterval the least time between the starts of two writes of one room (zero: none) */
  public DocumentWriter(Vertx vertx, RoomStore store, StoreHealth health, ServerMetrics metrics, Duration minInterval) {
    this(vertx, store, health, metrics, minInterval, WriteRates.unlimited());
  }

  /**
   * @param roomBytesPerSecond what one room's writes may add up to, per second
   * @param clientBytesPerSecond what one client address's writes, over all rooms, may add up to
   */
  public DocumentWriter(Vertx vertx, RoomStore store, StoreHealth health, ServerMetrics metrics, Duration minInterval,
                        long roomBytesPerSecond, long clientBytesPerSecond) {
    this(vertx, store, health, metrics, minInterval, new WriteRates(roomBytesPerSecond, clientBytesPerSecond));
  }

  private DocumentWriter(Vertx vertx, RoomStore store, StoreHealth health, ServerMetrics metrics, Duration minInterval,
                         WriteRates rates) {
    this.rates = rates;
    this.vertx = vertx;
    this.store = store;
    this.health = health;
    this.metrics = metrics;
    this.minIntervalNanos = minInterval.toNanos();
    metrics.gauge("kp.store.queued.writes", "rooms whose latest document waits to be stored", this::queued);
  }

  /** Queues {@code document} as the room's latest; it replaces any queued but unwritten one. */
  public void submit(String code, JsonString document, String writtenBy, long stamp) {
    submit(code, document, writtenBy, null, stamp, Reservation.NONE);
  }

  /**
   * As {@link #submit(String, JsonString, String, long)}, the write counting against {@code client}'s
   * rate; {@code held} is released once the document is stored, or replaced by a newer one before.
   */
  public void submit(String code, JsonString document, String writtenBy, String client, long stamp, Reservation held) {
    Pending pending = new Pending(document, writtenBy, client, Instant.now(), stamp, System.nanoTime(), held);
    Slot[] started = {null};
    Pending[] replaced = {null};
    slots.compute(code, (k, slot) -> {
      if (slot == null) {
        slot = new Slot();
        started[0] = slot;
      }
      synchronized (slot) {
        replaced[0] = slot.next;
        slot.next = pending;
      }
      return slot;
    });
    if (replaced[0] != null) {
      replaced[0].held().release();
    }
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
      synchronized (slot) {
        if (slot.next != null) {
          slot.next.held().release(); // a write in flight releases its own when it ends
        }
      }
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

  /**
   * Writes the room's next document, if {@code expected} is still its slot and the write rates allow
   * (else it rests until they do; not while someone waits for {@link #idle}); removes the slot when
   * there is nothing to write.
   */
  private void writeNext(String code, Slot expected) {
    Pending[] taken = {null};
    boolean[] stale = {false};
    long[] wait = {0};
    boolean draining = draining();
    slots.computeIfPresent(code, (k, slot) -> {
      if (slot != expected) { // forgotten, and the room since written to again: not ours to touch
        stale[0] = true;
        return slot;
      }
      synchronized (slot) {
        long now = System.nanoTime();
        if (slot.next != null && !draining) {
          wait[0] = rates.waitNanos(code, slot.next.client(), now);
          if (wait[0] > 0) {
            return slot; // it stays queued; a newer sync may still replace it
          }
        }
        taken[0] = slot.next;
        slot.next = null;
        slot.writing = taken[0];
        slot.lastStartNanos = now;
        if (taken[0] != null) {
          rates.started(code, taken[0].client(), taken[0].document().utf8Length(), now);
        }
      }
      return taken[0] == null ? null : slot; // nothing left: the room is idle
    });
    if (stale[0]) {
      return;
    }
    if (wait[0] > 0) {
      restFor(code, expected, wait[0]);
      return;
    }
    if (taken[0] == null) {
      notifyIfIdle();
      return;
    }
    Slot current = expected;
    Pending pending = taken[0];
    store.saveDocument(code, pending.document(), pending.writtenBy(), pending.writtenAt(), pending.stamp()).onComplete(ar -> {
      if (ar.succeeded() && ar.result() instanceof SaveOutcome.StoreFull) {
        health.full(code); // the store answers, but has no room: retried until a deletion makes some
        retryLater(code, current, pending);
      } else if (ar.succeeded()) {
        health.succeeded();
        metrics.documentStored(System.nanoTime() - pending.queuedNanos());
        if (ar.result() instanceof SaveOutcome.Stored stored) {
          log.debug("{} document revision {} stored", kv("room", code), stored.revision());
        }
        pending.held().release();
        rest(code, current);
      } else {
        health.failed("document write", ar.cause());
        retryLater(code, current, pending);
      }
    });
  }

  /** The write of {@code pending} did not land: again after a back-off, unless something newer came. */
  private void retryLater(String code, Slot current, Pending pending) {
    long[] delay = {-1}; // stays -1 when the room was forgotten meanwhile
    boolean[] kept = {false};
    slots.computeIfPresent(code, (k, slot) -> {
      if (slot == current) {
        synchronized (slot) {
          if (slot.next == null) {
            slot.next = pending; // nothing newer arrived: retry this one
            kept[0] = true;
          }
          delay[0] = slot.backoffMs;
          slot.backoffMs = Math.min(slot.backoffMs * 2, MAX_BACKOFF_MS);
        }
      }
      return slot;
    });
    if (!kept[0]) {
      pending.held().release(); // something newer will be written, or the room is gone
    }
    if (delay[0] >= 0) {
      vertx.setTimer(delay[0], id -> writeNext(code, current));
    }
  }

  /** After a stored write: the next one starts when the interval since this one's start is over. */
  private void rest(String code, Slot slot) {
    long waitNanos;
    synchronized (slot) {
      slot.writing = null;
      slot.backoffMs = FIRST_BACKOFF_MS;
      waitNanos = minIntervalNanos - (System.nanoTime() - slot.lastStartNanos);
    }
    restFor(code, slot, waitNanos);
  }

  /** The room's next write waits {@code waitNanos} (none when it is not positive), or until {@link #idle}. */
  private void restFor(String code, Slot slot, long waitNanos) {
    synchronized (slot) {
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

  /** Whether someone waits for {@link #idle} (a shutdown): every queued document is written at once. */
  private boolean draining() {
    synchronized (idleWaiters) {
      return !idleWaiters.isEmpty();
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
