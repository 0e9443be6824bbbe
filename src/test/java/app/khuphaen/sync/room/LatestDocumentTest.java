package app.khuphaen.sync.room;

import app.khuphaen.sync.model.DocumentState;
import app.khuphaen.sync.model.JsonString;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A room's latest document on a node: the stamp rules, and letting the text go without forgetting the stamp. */
class LatestDocumentTest {
  private final DocumentClock clock = new DocumentClock();

  @Test
  void aSyncIsStampedAndRelayedUnderTheMonitorAndAnswersTheHeapItTakes() {
    LatestDocument doc = new LatestDocument();
    List<Long> relayed = new ArrayList<>();
    assertThat(doc.replace(JsonString.of("abcd"), clock, relayed::add)).isEqualTo(4);
    assertThat(doc.replace(JsonString.of("ab"), clock, relayed::add)).isEqualTo(-2);
    assertThat(relayed).hasSize(2);
    assertThat(relayed.get(1)).isGreaterThan(relayed.get(0));
    assertThat(doc.knownState()).isEqualTo(new DocumentState(JsonString.of("ab"), relayed.get(1)));
  }

  @Test
  void anOlderRelayIsRefusedAndANewerTaken() {
    LatestDocument doc = new LatestDocument();
    long[] stamp = new long[1];
    doc.replace(JsonString.of("mine"), clock, s -> stamp[0] = s);
    assertThat(doc.offer(JsonString.of("older"), stamp[0] - 1)).isZero();
    assertThat(doc.knownState().document()).isEqualTo(JsonString.of("mine"));
    assertThat(doc.offer(JsonString.of("newer"), stamp[0] + 1)).isEqualTo(1);
    assertThat(doc.knownState()).isEqualTo(new DocumentState(JsonString.of("newer"), stamp[0] + 1));
  }

  @Test
  void anEvictedTextIsGoneButItsStampStillRefusesOlderDocuments() {
    LatestDocument doc = new LatestDocument();
    long[] stamp = new long[1];
    doc.replace(JsonString.of("x".repeat(100)), clock, s -> stamp[0] = s);
    assertThat(doc.evict()).isEqualTo(100);
    assertThat(doc.knownState()).isNull();
    assertThat(doc.weight()).isZero();
    assertThat(doc.offer(JsonString.of("older"), stamp[0] - 1)).isZero();
    assertThat(doc.fill(JsonString.of("older from the store"), stamp[0] - 1)).isZero();
    assertThat(doc.knownState()).isNull();
    // found again where it was queued or stored: the same stamp is taken back
    assertThat(doc.fill(JsonString.of("x".repeat(100)), stamp[0])).isEqualTo(100);
    assertThat(doc.knownState()).isEqualTo(new DocumentState(JsonString.of("x".repeat(100)), stamp[0]));
  }

  @Test
  void aRoomWithoutADocumentIsKnownOnceTheStoreSaysSo() {
    LatestDocument doc = new LatestDocument();
    assertThat(doc.knownState()).isNull();
    assertThat(doc.fill(null, 0)).isZero();
    assertThat(doc.knownState()).isEqualTo(new DocumentState(null, 0));
  }
}
