package app.khuphaen.sync.store;

import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RunningCallsTest {
  @Test
  void closingWithNothingRunningIsDoneAtOnceAndAdmitsNoMore() {
    RunningCalls calls = new RunningCalls();
    assertThat(calls.close().succeeded()).isTrue();
    assertThat(calls.start()).isFalse();
  }

  @Test
  void closingWaitsForTheLastCallThatStarted() {
    RunningCalls calls = new RunningCalls();
    assertThat(calls.start()).isTrue();
    assertThat(calls.start()).isTrue();
    Future<Void> closed = calls.close();
    assertThat(calls.start()).as("a call after close").isFalse();
    calls.end();
    assertThat(closed.isComplete()).isFalse();
    calls.end();
    assertThat(closed.succeeded()).isTrue();
  }
}
