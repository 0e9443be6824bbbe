package app.khuphaen.sync.room;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RoomRoutesTest {
  private final RoomRoutes routes = new RoomRoutes();

  @Test
  void aRoomWithoutLocalPeersHasNoRouteAndIgnoresNews() {
    routes.update("ROOM01", 5, List.of("n1", "n2"));
    assertThat(routes.nodes("ROOM01")).isNull();
  }

  @Test
  void theNewestMembershipVersionWinsWhateverOrderNewsArrivesIn() {
    routes.retain("ROOM01", 3, List.of("n1"));
    routes.update("ROOM01", 5, List.of("n1", "n2", "n3"));
    routes.update("ROOM01", 4, List.of("n1", "n2"));
    assertThat(routes.nodes("ROOM01")).containsExactly("n1", "n2", "n3");
    routes.update("ROOM01", 6, List.of("n1", "n3"));
    assertThat(routes.nodes("ROOM01")).containsExactly("n1", "n3");
  }

  @Test
  void aLaterLocalJoinTakesPresenceAsItIsThenAndTheRouteGoesWithTheLastLocalPeer() {
    routes.retain("ROOM01", 3, List.of("n1"));
    routes.retain("ROOM01", 7, List.of("n1", "n2"));
    routes.retain("ROOM01", 6, List.of("n1")); // older than what the route reflects: kept as it is
    assertThat(routes.nodes("ROOM01")).containsExactly("n1", "n2");
    routes.release("ROOM01");
    routes.release("ROOM01");
    assertThat(routes.nodes("ROOM01")).containsExactly("n1", "n2");
    routes.release("ROOM01");
    assertThat(routes.nodes("ROOM01")).isNull();
    assertThat(routes.size()).isZero();
  }

  @Test
  void aNodeThatLeftTheClusterIsDroppedFromEveryRoute() {
    routes.retain("ROOM01", 1, List.of("n1", "dead"));
    routes.retain("ROOM02", 1, List.of("dead", "n2"));
    routes.dropNode("dead");
    assertThat(routes.nodes("ROOM01")).containsExactly("n1");
    assertThat(routes.nodes("ROOM02")).containsExactly("n2");
  }
}
