package app.khuphaen.sync;

import app.khuphaen.sync.support.Http;
import app.khuphaen.sync.support.Messages;
import app.khuphaen.sync.support.TestServer;
import app.khuphaen.sync.support.WsClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The existing front end's whole flow, message by message, as its server-sync store drives it. */
class FrontEndFlowTest {

  @Test
  void createJoinSyncBothWaysRequestSyncLeaveAndRestore() {
    try (TestServer server = TestServer.start()) {
      // the host creates a room (the front end does not always upper-case on create)
      Http.Response created = server.http.post("/api/rooms",
          new JsonObject().put("desired_room_code", "tm7k2p").encode());
      JsonObject room = created.json();
      assertThat(room.getString("room_code")).isEqualTo("TM7K2P");
      String hostId = room.getString("host_id");

      try (WsClient host = server.connect(); WsClient guest = server.connect()) {
        host.send(Messages.join("TM7K2P", hostId, true));
        assertThat(host.next("room_info").getString("host_id")).isEqualTo(hostId);
        host.next("connected");
        host.next("peer_joined");

        // the guest joins with the code as typed, upper-cased by the front end
        guest.send(Messages.join("TM7K2P", "guest-1", false));
        guest.next("room_info");
        guest.next("connected");
        guest.next("peer_joined");
        // the host sees the guest and pushes its document
        assertThat(host.next("peer_joined").getJsonObject("peer").getString("id")).isEqualTo("guest-1");
        host.send(Messages.syncDocument("{\"tasks\":[\"a\"]}"));
        assertThat(guest.next("document_sync").getString("document")).isEqualTo("{\"tasks\":[\"a\"]}");

        guest.send(Messages.syncDocument("{\"tasks\":[\"a\",\"b\"]}"));
        assertThat(host.next("document_sync").getString("document")).isEqualTo("{\"tasks\":[\"a\",\"b\"]}");
        guest.send(Messages.broadcast("{\"cursor\":3}"));
        assertThat(host.next("data").getString("from")).isEqualTo("guest-1");

        guest.send(Messages.action("request_sync"));
        assertThat(guest.next("document_sync").getString("document")).isEqualTo("{\"tasks\":[\"a\",\"b\"]}");

        guest.send(Messages.action("leave"));
        assertThat(host.next("peer_left").getString("peer_id")).isEqualTo("guest-1");
        guest.awaitClose();
      }

      // host restore: the host's room is unknown (e.g. on a server that lost it)...
      try (WsClient host = server.connect()) {
        host.send(Messages.join("LOSTRM", "host_lost", true));
        host.expectError("Room not found");
        // ...so it re-creates it under the same code and host id, then joins again
        Http.Response restored = server.http.post("/api/rooms",
            new JsonObject().put("desired_room_code", "LOSTRM").put("desired_host_id", "host_lost").encode());
        assertThat(restored.json().getString("host_id")).isEqualTo("host_lost");
        host.join("LOSTRM", "host_lost", true);

        // and asking again for an existing code answers "restored"
        Http.Response again = server.http.post("/api/rooms",
            new JsonObject().put("desired_room_code", "LOSTRM").put("desired_host_id", "host_lost").encode());
        assertThat(again.json().getBoolean("restored")).isTrue();
      }
    }
  }
}
