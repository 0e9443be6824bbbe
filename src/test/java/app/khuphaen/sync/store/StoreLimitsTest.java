package app.khuphaen.sync.store;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The store's rules for what it keeps: revisions thinned by age, and the bound on the whole store. */
class StoreLimitsTest {
  private static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");

  /** Applies the rule after every write, as the store does: writes every {@code everyMs} for {@code forMs}. */
  private static List<RevisionInfo> afterWrites(StoreLimits limits, long everyMs, long forMs) {
    List<RevisionInfo> newestFirst = new ArrayList<>();
    long revision = 0;
    for (long t = 0; t <= forMs; t += everyMs) {
      newestFirst.add(0, new RevisionInfo(++revision, 100, "host", T0.plusMillis(t)));
      newestFirst = limits.kept(newestFirst);
    }
    return newestFirst;
  }

  private static List<Long> agesSeconds(List<RevisionInfo> newestFirst) {
    Instant newest = newestFirst.get(0).writtenAt();
    return newestFirst.stream().map(r -> (newest.toEpochMilli() - r.writtenAt().toEpochMilli()) / 1000).toList();
  }

  @Test
  void continuousTypingKeepsRevisionsReachingBackMinutesNotSeconds() {
    List<RevisionInfo> kept = afterWrites(new StoreLimits(10, 10_000, Long.MAX_VALUE), 500, 3_600_000);
    List<Long> ages = agesSeconds(kept);
    assertThat(kept).hasSizeBetween(6, 10);
    assertThat(ages.get(0)).isZero();
    assertThat(ages.get(1)).isLessThan(20); // dense just behind the newest
    assertThat(ages.get(ages.size() - 1)).isGreaterThanOrEqualTo(150); // and minutes back, not the last five seconds
    assertThat(ages).isSorted();
    // without spacing, the old rule: the last ten writes
    assertThat(agesSeconds(afterWrites(new StoreLimits(10, 0, Long.MAX_VALUE), 500, 60_000)).get(9)).isEqualTo(4);
  }

  @Test
  void whileThereIsRoomForEveryRevisionNoneIsThinnedOut() {
    List<RevisionInfo> kept = afterWrites(new StoreLimits(10, 10_000, Long.MAX_VALUE), 500, 4_500);
    assertThat(kept).hasSize(10); // ten writes within five seconds: every one
    assertThat(afterWrites(new StoreLimits(10, 10_000, Long.MAX_VALUE), 3_600_000, 5 * 3_600_000)).hasSize(6);
  }

  @Test
  void moreRevisionsReachFurtherBack() {
    List<Long> ten = agesSeconds(afterWrites(new StoreLimits(10, 10_000, Long.MAX_VALUE), 700, 3_600_000));
    List<Long> twenty = agesSeconds(afterWrites(new StoreLimits(20, 10_000, Long.MAX_VALUE), 700, 3_600_000));
    assertThat(twenty.size()).isGreaterThan(ten.size());
    assertThat(twenty.get(twenty.size() - 1)).isGreaterThan(ten.get(ten.size() - 1));
  }

  @Test
  void trimmingTakesTheOldestRevisionsOfTheLargestRoomFirstAndNeverANewest() {
    Map<String, List<RevisionInfo>> old = new LinkedHashMap<>();
    old.put("BIG", List.of(rev(1, 400), rev(2, 400)));
    old.put("SMALL", List.of(rev(1, 50)));
    Map<String, Long> held = Map.of("BIG", 1200L, "SMALL", 100L); // each with its newest
    assertThat(StoreLimits.trim(old, held, 300)).containsExactly(new StoreLimits.Removal("BIG", 1, 400));
    // BIG drops to 800 after one, still the largest: its second old one goes next
    assertThat(StoreLimits.trim(old, held, 700)).containsExactly(
        new StoreLimits.Removal("BIG", 1, 400), new StoreLimits.Removal("BIG", 2, 400));
    assertThat(StoreLimits.trim(old, held, 850)).hasSize(3);
    assertThat(StoreLimits.trim(old, held, 851)).as("only newest revisions would be left").isNull();
  }

  private static RevisionInfo rev(long revision, long size) {
    return new RevisionInfo(revision, size, "host", T0.plusSeconds(revision));
  }
}
