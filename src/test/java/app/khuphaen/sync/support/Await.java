package app.khuphaen.sync.support;

import io.vertx.core.Future;
import org.awaitility.Awaitility;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waiting on the test thread: for a Vert.x future (failing the test after 10 s), or, through
 * Awaitility, for state that changes without announcing itself (a count the server keeps, another
 * process) — the one place tests poll.
 */
public final class Await {
  public static final long SECONDS = 10;

  private Await() {}

  public static <T> T result(Future<T> future) {
    return result(future, SECONDS);
  }

  /** Waits until {@code condition} holds, asking every 20 ms, at most 20 s; {@code what} names it on failure. */
  public static void until(String what, Callable<Boolean> condition) {
    until(what, 20, condition);
  }

  public static void until(String what, long seconds, Callable<Boolean> condition) {
    Awaitility.await(what)
        .atMost(Duration.ofSeconds(seconds))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(20))
        .until(condition);
  }

  public static <T> T result(Future<T> future, long seconds) {
    try {
      return future.await(seconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("no answer within " + seconds + " s", e);
    }
  }
}
