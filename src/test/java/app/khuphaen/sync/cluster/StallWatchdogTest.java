package app.khuphaen.sync.cluster;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Driven by hand with monotonic times: the thread is never started. */
class StallWatchdogTest {
  private final List<Long> stalls = new ArrayList<>();
  private final StallWatchdog watchdog = new StallWatchdog(4_000, stalls::add);

  private static long ms(long millis) {
    return TimeUnit.MILLISECONDS.toNanos(millis);
  }

  @Test
  void regularTicksAndShortHiccupsAreNoStall() {
    long t = System.nanoTime();
    for (int i = 1; i <= 20; i++) {
      watchdog.tick(t + ms(250L * i));
    }
    watchdog.tick(t + ms(5_000 + 3_900));
    assertThat(stalls).isEmpty();
  }

  @Test
  void aGapOverTheThresholdIsReportedOnceWithItsLength() {
    long t = System.nanoTime();
    watchdog.tick(t + ms(250));
    watchdog.tick(t + ms(250 + 20_000));
    watchdog.tick(t + ms(250 + 20_000 + 250));
    assertThat(stalls).hasSize(1);
    assertThat(stalls.get(0)).isBetween(19_999L, 20_001L);
  }
}
