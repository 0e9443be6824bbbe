package app.khuphaen.sync.session;

import app.khuphaen.sync.config.Settings;
import io.github.bucket4j.Bucket;

import java.time.Duration;

/**
 * One connection's message rate: a token bucket (MESSAGE_RATE_PER_SECOND, MESSAGE_BURST), and the
 * line between bursting and flooding — MESSAGE_BURST refusals within RATE_ABUSE_WINDOW_SECONDS,
 * counted from the first of them. Counted in a window, not in a row: the bucket refills every
 * millisecond, so a flood alternates admitted and refused messages. Its connection's event loop only.
 */
final class MessageRate {
  enum Verdict { ADMIT, REFUSE, CLOSE }

  private final Bucket bucket;
  private final int burst;
  private final long windowNanos;
  private int refusals; // in the window that started with the first of them
  private long windowStart;

  MessageRate(Settings.Limits limits) {
    this.bucket = Bucket.builder()
        .addLimit(l -> l.capacity(limits.messageBurst()).refillGreedy(limits.messageRatePerSecond(), Duration.ofSeconds(1)))
        .build();
    this.burst = limits.messageBurst();
    this.windowNanos = limits.rateAbuseWindowSeconds() * 1_000_000_000L;
  }

  /** The verdict on one more message arriving at {@code nowNanos} ({@link System#nanoTime()}). */
  Verdict next(long nowNanos) {
    if (bucket.tryConsume(1)) {
      return Verdict.ADMIT;
    }
    if (refusals == 0 || nowNanos - windowStart > windowNanos) {
      windowStart = nowNanos;
      refusals = 0;
    }
    return ++refusals >= burst ? Verdict.CLOSE : Verdict.REFUSE;
  }
}
