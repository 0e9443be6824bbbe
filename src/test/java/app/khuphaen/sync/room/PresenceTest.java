package app.khuphaen.sync.room;

import app.khuphaen.sync.model.PeerInfo;
import app.khuphaen.sync.support.Await;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Presence alone, on a local shared-data map: one entry per peer whatever its sockets, the newest
 * info winning, a version bumped by every change, and the nodes a room's frames must reach.
 */
class PresenceTest {
  private final Vertx vertx = Vertx.vertx();
  private final Presence presence = new Presence(Await.result(vertx.sharedData().getAsyncMap("kp.presence")));

  @AfterEach
  void close() {
    Await.result(vertx.close());
  }

  private static Connection conn(String id) {
    return new Connection(id, "192.0.2." + id.charAt(id.length() - 1));
  }

  private static PeerInfo peer(String id, boolean host) {
    return new PeerInfo(id, Instant.parse("2026-12-01T00:00:00Z"), host, null);
  }

  @Test
  void aPeerWithTwoSocketsIsListedOnceAndLeavesWithItsLastSocket() {
    Presence.Snapshot first = Await.result(presence.add("ROOM01", peer("tab", false), conn("n1/1")));
    assertThat(first.nodeIsNew()).isTrue();
    Presence.Snapshot second = Await.result(presence.add("ROOM01", peer("tab", true), conn("n1/2")));
    assertThat(second.nodeIsNew()).isFalse(); // its node already had a socket in the room
    assertThat(second.peers()).extracting(PeerInfo::id).containsExactly("tab");
    assertThat(second.peers().get(0).isHost()).isTrue(); // the newest info wins
    assertThat(second.version()).isGreaterThan(first.version());
    Presence.RoomDetail detail = Await.result(presence.detail("ROOM01"));
    assertThat(detail.peers()).singleElement().satisfies(p -> assertThat(p.connections())
        .containsExactlyInAnyOrder(new Connection("n1/1", "192.0.2.1"), new Connection("n1/2", "192.0.2.2")));
    assertThat(detail.changedAt()).isNotNull();

    Presence.Removal one = Await.result(presence.remove("ROOM01", "tab", "n1/1"));
    assertThat(one.peerGone()).isFalse();
    Presence.Removal last = Await.result(presence.remove("ROOM01", "tab", "n1/2"));
    assertThat(last.peerGone()).isTrue();
    assertThat(last.roomEmpty()).isTrue();
    assertThat(last.version()).isGreaterThan(one.version());
  }

  @Test
  void aPeersInfoComesBackAsItJoinedWithEachOfItsSockets() {
    JsonObject metadata = new JsonObject().put("name", "น้อย").put("color", "#e11d48");
    PeerInfo nok = new PeerInfo("nok", Instant.parse("2026-12-01T08:30:15.123Z"), true, metadata);
    Await.result(presence.add("ROOM03", nok, conn("n1/1")));
    Await.result(presence.add("ROOM03", nok, conn("n2/2")));
    Await.result(presence.add("ROOM03", nok, conn("n1/1"))); // the same socket again: listed once
    assertThat(Await.result(presence.peers("ROOM03"))).containsExactly(nok);
    assertThat(Await.result(presence.detail("ROOM03")).peers()).singleElement().satisfies(p -> {
      assertThat(p.info()).isEqualTo(nok);
      assertThat(p.connections()).containsExactlyInAnyOrder(new Connection("n1/1", "192.0.2.1"), new Connection("n2/2", "192.0.2.2"));
    });
    assertThat(Await.result(presence.nodes("ROOM03"))).containsExactlyInAnyOrder("n1", "n2");
  }

  @Test
  void theRoomsNodesFollowItsSocketsAndADeadNodesPeersGoInOneChange() {
    Await.result(presence.add("ROOM02", peer("a", true), conn("n1/1")));
    Await.result(presence.add("ROOM02", peer("b", false), conn("n2/1")));
    Presence.Snapshot third = Await.result(presence.add("ROOM02", peer("c", false), conn("n2/2")));
    assertThat(third.nodes()).containsExactlyInAnyOrder("n1", "n2");
    assertThat(Await.result(presence.roomsWithNode("n2"))).containsExactly("ROOM02");

    Presence.NodeRemoval removal = Await.result(presence.removeNode("ROOM02", "n2"));
    assertThat(removal.peersGone()).containsExactlyInAnyOrder("b", "c");
    assertThat(removal.nodes()).containsExactly("n1");
    assertThat(removal.version()).isEqualTo(third.version() + 1);
    assertThat(Await.result(presence.peers("ROOM02"))).extracting(PeerInfo::id).containsExactly("a");
  }

  @Test
  void removingWhatIsNotThereChangesNothing() {
    Presence.Removal unknownRoom = Await.result(presence.remove("NOROOM", "x", "n1/1"));
    assertThat(unknownRoom.peerGone()).isFalse();
    Await.result(presence.add("ROOM03", peer("a", true), conn("n1/1")));
    Presence.Removal unknownPeer = Await.result(presence.remove("ROOM03", "ghost", "n1/9"));
    assertThat(unknownPeer.peerGone()).isFalse();
    assertThat(unknownPeer.roomEmpty()).isFalse();
    Await.result(presence.clear("ROOM03"));
    assertThat(Await.result(presence.peers("ROOM03"))).isEqualTo(List.of());
  }
}
