package app.khuphaen.sync.support;

import io.vertx.core.Future;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waits on the test thread for a Vert.x future, failing the test if it takes longer than 10 s. */
public final class Await {
  public static final long SECONDS = 10;

  private Await() {}

  public static <T> T result(Future<T> future) {
    return result(future, SECONDS);
  }

  public static <T> T result(Future<T> future, long seconds) {
    try {
      return future.await(seconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("no answer within " + seconds + " s", e);
    }
  }
}
