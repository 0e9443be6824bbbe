package app.khuphaen.sync;

import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.support.Messages;
import app.khuphaen.sync.support.TestServer;
import app.khuphaen.sync.support.WsClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class IdleSweepTest {

  @Test
  void roomsEmptyForTheTimeoutAreRemovedOccupiedOnesStay() {
    JsonObject config = new JsonObject()
        .put(Settings.ROOM_IDLE_TIMEOUT_SECONDS, 1)
        .put(Settings.SWEEP_INTERVAL_SECONDS, 1);
    try (TestServer server = TestServer.start(config);
         WsClient occupant = server.connect()) {
      server.createRoom("BUSY01");
      server.createRoom("IDLE01");
      server.createRoom("LEFT01");
      occupant.join("BUSY01", "occupant", true);
      try (WsClient visitor = server.connect()) {
        visitor.join("LEFT01", "visitor", true);
        visitor.send(Messages.syncDocument("left behind"));
        visitor.expectNothingPending();
      }

      awaitRoomGone(server, "IDLE01");
      awaitRoomGone(server, "LEFT01");
      assertThat(server.http.get("/api/rooms/BUSY01").status()).isEqualTo(200);
      assertThat(server.http.get("/health").json().getInteger("rooms")).isEqualTo(1);

      // the document went with the room: a room re-created under that code starts empty
      server.createRoom("LEFT01");
      try (WsClient again = server.connect()) {
        again.join("LEFT01", "again", true);
        again.send(Messages.action("request_sync"));
        assertThat(again.next("document_sync").getString("document")).isEmpty();
      }
    }
  }

  /** Polls the REST API until the sweep has removed the room (it runs every second here). */
  private static void awaitRoomGone(TestServer server, String code) {
    server.http.awaitStatus("/api/rooms/" + code, 404);
  }
}
