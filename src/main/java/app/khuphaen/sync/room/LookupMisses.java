package app.khuphaen.sync.room;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Room codes that a client names and that name no room: the way an outsider would find rooms by
 * guessing. Each client address ({@link ClientKey}: an IPv6 client by its /64) may miss {@code burst} times freely; every further miss makes its next lookup wait, 1 s
 * after the first, then twice as long each time, up to {@code maxWaitSeconds}. While it waits, every
 * lookup and join of that address is refused, those of existing rooms too (answering them would tell
 * the guesser what exists). Its misses are forgotten after twice the longest wait without one, so
 * waiting out the penalty once does not buy a fresh burst. A client that knows its code never
 * misses and never waits.
 *
 * <p>One per node, shared by the REST routes and the WebSockets of every event loop; thread-safe.
 * Addresses are kept within a bounded cache (the least recently seen go first).
 */
public final class LookupMisses {
  private static final int MAX_ADDRESSES = 10_000;

  private final int burst;
  private final long maxWaitNanos;
  private final long forgetAfterNanos;
  private final LongSupplier nanoClock;
  private final Cache<String, Misses> byAddress;

  /** One address's misses; guarded by itself. */
  private static final class Misses {
    int count;
    long lastMissNanos;
    long waitUntilNanos;
  }

  public LookupMisses(int burst, int maxWaitSeconds) {
    this(burst, maxWaitSeconds, System::nanoTime);
  }

  /** @param nanoClock the time, as {@link System#nanoTime()} tells it (a test's own clock) */
  LookupMisses(int burst, int maxWaitSeconds, LongSupplier nanoClock) {
    this.burst = burst;
    this.maxWaitNanos = TimeUnit.SECONDS.toNanos(maxWaitSeconds);
    this.forgetAfterNanos = 2 * maxWaitNanos;
    this.nanoClock = nanoClock;
    this.byAddress = Caffeine.newBuilder()
        .maximumSize(MAX_ADDRESSES)
        .expireAfterAccess(Duration.ofNanos(forgetAfterNanos))
        .build();
  }

  /** 0 when {@code client} may look up a room code now, else the whole seconds it must still wait. */
  public long waitSeconds(String client) {
    Misses misses = byAddress.getIfPresent(ClientKey.of(client));
    if (misses == null) {
      return 0;
    }
    synchronized (misses) {
      long left = misses.waitUntilNanos - nanoClock.getAsLong();
      return left <= 0 ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toSeconds(left + 999_999_999L));
    }
  }

  /** A code {@code client} named names no room. */
  public void missed(String client) {
    Misses misses = byAddress.get(ClientKey.of(client), k -> new Misses());
    synchronized (misses) {
      long now = nanoClock.getAsLong();
      if (misses.count > 0 && now - misses.lastMissNanos >= forgetAfterNanos) {
        misses.count = 0; // quiet long enough: a fresh start
      }
      misses.count++;
      misses.lastMissNanos = now;
      int over = misses.count - burst;
      if (over > 0) {
        long wait = over > 40 ? maxWaitNanos : Math.min(maxWaitNanos, TimeUnit.SECONDS.toNanos(1L << (over - 1)));
        misses.waitUntilNanos = now + wait;
      }
    }
  }
}
