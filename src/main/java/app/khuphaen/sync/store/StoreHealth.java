package app.khuphaen.sync.store;

import static net.logstash.logback.argument.StructuredArguments.kv;

import app.khuphaen.sync.metrics.ServerMetrics;
import app.khuphaen.sync.model.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether the store's writes are going through. A failure is logged once per burst (the first one),
 * and the recovery once; /health reports the last failure while the burst lasts.
 */
public final class StoreHealth {
  private static final Logger log = LoggerFactory.getLogger(StoreHealth.class);

  private final AtomicInteger failures = new AtomicInteger();
  private final AtomicBoolean full = new AtomicBoolean();
  private final ServerMetrics metrics;
  private volatile String lastError;

  public StoreHealth(ServerMetrics metrics) {
    this.metrics = metrics;
  }

  /** A store operation failed (counted in kp_store_errors_total). */
  public void failed(String what, Throwable err) {
    metrics.storeFailed();
    lastError = what + " failed: " + Errors.rootMessage(err);
    if (failures.getAndIncrement() == 0) {
      log.warn("store {} (retrying with back-off; further failures are not logged until the store recovers)", lastError);
    }
  }

  public void succeeded() {
    int failed = failures.getAndSet(0);
    if (failed > 0) {
      log.info("store recovered after {} failed attempts", failed);
    }
    if (full.getAndSet(false)) {
      log.info("store has room for documents again");
    }
  }

  /**
   * A document found the store full (STORE_MAX_BYTES of rooms' newest documents): logged once until a
   * write lands again. Not a failure: the store answers, and /health stays healthy (one client must
   * not be able to take a node out of its load balancer), but new rooms are refused meanwhile.
   */
  public void full(String code) {
    metrics.refused(ServerMetrics.Refusal.STORAGE_FULL);
    if (!full.getAndSet(true)) {
      log.warn("{} document not stored: the store holds STORE_MAX_BYTES of documents (retrying; new rooms are"
          + " refused until a room is removed)", kv("room", code));
    }
  }

  /** The reason the store is unhealthy, or null. */
  public String problem() {
    return failures.get() > 0 ? lastError : null;
  }
}
