package app.khuphaen.sync.store;

import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * Counts a store's calls in progress so that closing can wait for them: once closed it admits no
 * new call, and its future completes when the last running one has ended. Thread-safe: calls start
 * on any event loop and end on the store's workers.
 */
final class RunningCalls {
  private final Promise<Void> finished = Promise.promise();
  private int running;
  private boolean closed;

  /** Whether a new call may start; if so, {@link #end()} must follow it. */
  synchronized boolean start() {
    if (closed) {
      return false;
    }
    running++;
    return true;
  }

  void end() {
    boolean last;
    synchronized (this) {
      running--;
      last = closed && running == 0;
    }
    if (last) {
      finished.tryComplete();
    }
  }

  /** Admits no new call; completes when every call that started has ended. */
  Future<Void> close() {
    boolean none;
    synchronized (this) {
      closed = true;
      none = running == 0;
    }
    if (none) {
      finished.tryComplete();
    }
    return finished.future();
  }
}
