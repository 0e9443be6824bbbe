package app.khuphaen.sync.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;

import java.time.Duration;

/**
 * Room creations per client address: a burst of 5, then one more every 2 seconds (the original
 * server's limit). One token bucket per address, forgotten after 10 idle minutes.
 */
public final class CreationRateLimiter {
  private static final int BURST = 5;
  private static final Duration REFILL_EVERY = Duration.ofSeconds(2);

  private final Cache<String, Bucket> buckets = Caffeine.newBuilder()
      .expireAfterAccess(Duration.ofMinutes(10))
      .maximumSize(100_000)
      .build();

  /** Takes one creation for {@code client}; answers 0 when allowed, else the seconds to wait. */
  public long tryAcquire(String client) {
    Bucket bucket = buckets.get(client, k -> Bucket.builder()
        .addLimit(limit -> limit.capacity(BURST).refillGreedy(1, REFILL_EVERY))
        .build());
    ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
    if (probe.isConsumed()) {
      return 0;
    }
    return Math.max(1, (probe.getNanosToWaitForRefill() + 999_999_999L) / 1_000_000_000L);
  }
}
