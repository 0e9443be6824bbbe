package app.khuphaen.sync.room;

import app.khuphaen.sync.model.DocumentState;
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
    assertThat(doc.replace("abcd", clock, relayed::add)).isEqualTo(8);
    assertThat(doc.replace("ab", clock, relayed::add)).isEqualTo(-4);
    assertThat(relayed).hasSize(2);
    assertThat(relayed.get(1)).isGreaterThan(relayed.get(0));
    assertThat(doc.knownState()).isEqualTo(new DocumentState("ab", relayed.get(1)));
  }

  @Test
  void anOlderRelayIsRefusedAndANewerTaken() {
    LatestDocument doc = new LatestDocument();
    long[] stamp = new long[1];
    doc.replace("mine", clock, s -> stamp[0] = s);
    assertThat(doc.offer("older", stamp[0] - 1)).isZero();
    assertThat(doc.knownState().document()).isEqualTo("mine");
    assertThat(doc.offer("newer", stamp[0] + 1)).isEqualTo(2);
    assertThat(doc.knownState()).isEqualTo(new DocumentState("newer", stamp[0] + 1));
  }

  @Test
  void anEvictedTextIsGoneButItsStampStillRefusesOlderDocuments() {
    LatestDocument doc = new LatestDocument();
    long[] stamp = new long[1];
    doc.replace("x".repeat(100), clock, s -> stamp[0] = s);
    assertThat(doc.evict()).isEqualTo(200);
    assertThat(doc.knownState()).isNull();
    assertThat(doc.weight()).isZero();
    assertThat(doc.offer("older", stamp[0] - 1)).isZero();
    assertThat(doc.fill("older from the store", stamp[0] - 1)).isZero();
    assertThat(doc.knownState()).isNull();
    // found again where it was queued or stored: the same stamp is taken back
    assertThat(doc.fill("x".repeat(100), stamp[0])).isEqualTo(200);
    assertThat(doc.knownState()).isEqualTo(new DocumentState("x".repeat(100), stamp[0]));
  }

  @Test
  void aRoomWithoutADocumentIsKnownOnceTheStoreSaysSo() {
    LatestDocument doc = new LatestDocument();
    assertThat(doc.knownState()).isNull();
    assertThat(doc.fill(null, 0)).isZero();
    assertThat(doc.knownState()).isEqualTo(new DocumentState(null, 0));
  }
}
