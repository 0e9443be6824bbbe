package app.khuphaen.sync.session;

import app.khuphaen.sync.config.Settings;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A connection's message rate: a burst is admitted, then refused; refusals within the window close. */
class MessageRateTest {
  private static final long SECOND = 1_000_000_000L;

  private static MessageRate rate(int perSecond, int burst, int windowSeconds) {
    return new MessageRate(Settings.from(new JsonObject()
        .put(Settings.MESSAGE_RATE_PER_SECOND, perSecond)
        .put(Settings.MESSAGE_BURST, burst)
        .put(Settings.RATE_ABUSE_WINDOW_SECONDS, windowSeconds)).limits());
  }

  @Test
  void aBurstIsAdmittedThenRefusedAndBurstRefusalsInTheWindowClose() {
    MessageRate rate = rate(1, 3, 10);
    long now = 0;
    for (int i = 0; i < 3; i++) {
      assertThat(rate.next(now)).isEqualTo(MessageRate.Verdict.ADMIT);
    }
    assertThat(rate.next(now)).isEqualTo(MessageRate.Verdict.REFUSE);
    assertThat(rate.next(now + SECOND)).isEqualTo(MessageRate.Verdict.REFUSE);
    assertThat(rate.next(now + 2 * SECOND)).isEqualTo(MessageRate.Verdict.CLOSE);
  }

  @Test
  void refusalsSpreadOverMoreThanTheWindowAreABurstNotAFlood() {
    MessageRate rate = rate(1, 3, 10);
    for (int i = 0; i < 3; i++) {
      rate.next(0); // the burst is spent (the bucket refills one token a second, on the real clock)
    }
    assertThat(rate.next(0)).isEqualTo(MessageRate.Verdict.REFUSE);
    assertThat(rate.next(0)).isEqualTo(MessageRate.Verdict.REFUSE);
    // the window (10 s from the first refusal) is over: this is the first refusal of a new one, not the third
    assertThat(rate.next(11 * SECOND)).isEqualTo(MessageRate.Verdict.REFUSE);
  }
}
