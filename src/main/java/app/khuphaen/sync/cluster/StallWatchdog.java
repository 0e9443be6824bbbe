package app.khuphaen.sync.cluster;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * Notices that this whole process stood still (SIGSTOP, a long GC or VM pause, a suspended host): a
 * thread that ticks every {@link #TICK_MS} ms reports any gap between ticks longer than
 * {@code thresholdMs}. While a node stands still longer than the cluster's heartbeat timeout, the
 * others declare it dead and drop its peers; when it resumes it must learn that from here, since its
 * own view of the cluster is the stale one.
 */
final class StallWatchdog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StallWatchdog.class);
  static final long TICK_MS = 250;

  private final long thresholdNanos;
  private final LongConsumer onStall;
  private final Thread thread;
  private long lastTick; // only touched by the watchdog's thread
  private volatile boolean running = true;

  /** @param onStall gets the length of each stall in milliseconds, on the watchdog's thread */
  StallWatchdog(long thresholdMs, LongConsumer onStall) {
    this.thresholdNanos = TimeUnit.MILLISECONDS.toNanos(thresholdMs);
    this.onStall = onStall;
    this.thread = new Thread(this::run, "kp-stall-watchdog");
    this.thread.setDaemon(true);
    this.lastTick = System.nanoTime();
  }

  StallWatchdog start() {
    thread.start();
    return this;
  }

  private void run() {
    while (running) {
      try {
        Thread.sleep(TICK_MS);
      } catch (InterruptedException e) {
        return;
      }
      tick(System.nanoTime());
    }
  }

  /** One tick at {@code now} (monotonic nanoseconds, which keep running while the process is stopped). */
  void tick(long now) {
    long gap = now - lastTick;
    lastTick = now;
    if (gap > thresholdNanos) {
      long ms = TimeUnit.NANOSECONDS.toMillis(gap);
      log.warn("this node stood still for {} ms", ms);
      try {
        onStall.accept(ms);
      } catch (RuntimeException e) {
        log.error("handling a stall failed", e);
      }
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
