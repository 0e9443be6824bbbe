package app.khuphaen.sync.store;

import app.khuphaen.sync.metrics.ServerMetrics;
import app.khuphaen.sync.model.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether the store's writes are going through. A failure is logged once per burst (the first one),
 * and the recovery once; /health reports the last failure while the burst lasts.
 */
public final class StoreHealth {
  private static final Logger log = LoggerFactory.getLogger(StoreHealth.class);

  private final AtomicInteger failures = new AtomicInteger();
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
  }

  /** The reason the store is unhealthy, or null. */
  public String problem() {
    return failures.get() > 0 ? lastError : null;
  }
}
