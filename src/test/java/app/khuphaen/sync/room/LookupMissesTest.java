package app.khuphaen.sync.room;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The guessing rule alone, on a clock the test moves. */
class LookupMissesTest {
  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private final LookupMisses misses = new LookupMisses(3, 3600, clock::get);

  private void advanceSeconds(long seconds) {
    clock.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
  }

  @Test
  void theBurstIsFreeThenEachMissDoublesTheWait() {
    for (int i = 0; i < 3; i++) {
      assertThat(misses.waitSeconds("203.0.113.1")).isZero();
      misses.missed("203.0.113.1");
    }
    assertThat(misses.waitSeconds("203.0.113.1")).isZero();
    misses.missed("203.0.113.1"); // the first past the burst
    assertThat(misses.waitSeconds("203.0.113.1")).isEqualTo(1);
    advanceSeconds(1);
    assertThat(misses.waitSeconds("203.0.113.1")).isZero();
    misses.missed("203.0.113.1");
    assertThat(misses.waitSeconds("203.0.113.1")).isEqualTo(2);
    advanceSeconds(2);
    misses.missed("203.0.113.1");
    assertThat(misses.waitSeconds("203.0.113.1")).isEqualTo(4);
    assertThat(misses.waitSeconds("203.0.113.2")).as("another address").isZero();
  }

  @Test
  void theWaitStopsAtItsLongestAndIsForgottenAfterTwiceThatWithoutAMiss() {
    for (int i = 0; i < 40; i++) {
      misses.missed("203.0.113.1");
    }
    assertThat(misses.waitSeconds("203.0.113.1")).isEqualTo(3600);
    advanceSeconds(3600);
    misses.missed("203.0.113.1"); // waited it out once: no fresh burst
    assertThat(misses.waitSeconds("203.0.113.1")).isEqualTo(3600);
    advanceSeconds(7200);
    misses.missed("203.0.113.1"); // quiet for twice the longest wait: forgotten, a fresh start
    assertThat(misses.waitSeconds("203.0.113.1")).isZero();
  }

  @Test
  void anIpv6ClientCountsByItsSlash64() {
    for (int i = 0; i < 4; i++) {
      misses.missed("2001:db8:1:2::" + Integer.toHexString(i + 1));
    }
    assertThat(misses.waitSeconds("2001:db8:1:2:ffff::9")).isEqualTo(1);
    assertThat(misses.waitSeconds("2001:db8:1:3::1")).isZero();
    assertThat(ClientKey.of("2001:db8:1:2::1")).isEqualTo("2001:db8:1:2::/64");
    assertThat(ClientKey.of("::ffff:192.0.2.7")).isEqualTo("192.0.2.7");
    assertThat(ClientKey.of("192.0.2.7")).isEqualTo("192.0.2.7");
  }
}
