package app.khuphaen.sync.room;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Stamps that order syncs across nodes: they only grow, and never fall behind one seen from elsewhere. */
class DocumentClockTest {

  @Test
  void stampsStrictlyGrowEvenWithinOneMillisecondAndKeepTheNodesTag() {
    DocumentClock clock = new DocumentClock();
    long previous = clock.next();
    long tag = previous & 0xFF;
    for (int i = 0; i < 10_000; i++) {
      long stamp = clock.next();
      assertThat(stamp).isGreaterThan(previous);
      assertThat(stamp & 0xFF).isEqualTo(tag);
      previous = stamp;
    }
  }

  @Test
  void aStampSeenFromAnotherNodeIsOvertakenByTheNextLocalOne() {
    DocumentClock here = new DocumentClock();
    long farAhead = (System.currentTimeMillis() + 60_000) << 16; // a node whose clock runs a minute fast
    here.observe(farAhead | 0x7F);
    assertThat(here.next()).isGreaterThan(farAhead | 0xFF);
  }

  @Test
  void observingAnOlderStampChangesNothing() {
    DocumentClock clock = new DocumentClock();
    long first = clock.next();
    clock.observe(1);
    assertThat(clock.next()).isGreaterThan(first);
  }
}
