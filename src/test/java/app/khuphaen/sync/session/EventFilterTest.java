package app.khuphaen.sync.session;

import app.khuphaen.sync.model.JsonString;
import app.khuphaen.sync.room.RoomEvent;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What a joined client still needs of its room's events. */
class EventFilterTest {
  private static final byte[] FRAME = new byte[0];

  @Test
  void membershipNewsItsJoinAlreadyReflectedIsDroppedAndLaterNewsPassesInAnyOrder() {
    EventFilter known = new EventFilter("me", 5, 0);
    assertThat(known.wants(RoomEvent.membership("R", FRAME, true, 4, List.of()))).isFalse();
    assertThat(known.wants(RoomEvent.membership("R", FRAME, true, 5, List.of()))).isFalse();
    assertThat(known.wants(RoomEvent.membership("R", FRAME, true, 7, List.of()))).isTrue();
    assertThat(known.wants(RoomEvent.membership("R", FRAME, true, 6, List.of()))).isTrue();
    assertThat(known.wants(RoomEvent.membership("R", FRAME, true, 6, List.of()))).isTrue(); // a shared version
  }

  @Test
  void aDocumentOlderThanTheOneTheClientHasIsDroppedAndItsOwnCountsAsKnown() {
    EventFilter known = new EventFilter("me", 0, 10);
    assertThat(known.wants(RoomEvent.document("R", "other", FRAME, JsonString.of("old"), 9))).isFalse();
    assertThat(known.wants(RoomEvent.document("R", "me", FRAME, JsonString.of("mine"), 20))).isFalse(); // its own
    assertThat(known.wants(RoomEvent.document("R", "other", FRAME, JsonString.of("lost"), 15))).isFalse(); // older than its own
    assertThat(known.wants(RoomEvent.document("R", "other", FRAME, JsonString.of("newer"), 21))).isTrue();
  }

  @Test
  void dataGoesToEveryoneButTheSender() {
    EventFilter known = new EventFilter("me", 0, 0);
    assertThat(known.wants(RoomEvent.data("R", "other", FRAME))).isTrue();
    assertThat(known.wants(RoomEvent.data("R", "me", FRAME))).isFalse();
  }
}
