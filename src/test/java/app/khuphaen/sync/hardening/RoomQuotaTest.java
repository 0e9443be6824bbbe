package app.khuphaen.sync.hardening;

import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.support.Http;
import app.khuphaen.sync.support.TestServer;
import app.khuphaen.sync.support.WsClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A few addresses cannot fill the server with rooms: each may hold only so many live rooms, and a
 * room nobody ever joined is swept soon; both survive a restart.
 */
class RoomQuotaTest {

  @Test
  void oneAddressCannotHoldMoreThanItsShareAndNeverShutsOutAnother() {
    Path data = TestServer.tempDir();
    JsonObject config = new JsonObject().put(Settings.DATA_DIR, data.toString()).put(Settings.MAX_ROOMS_PER_IP, 3);
    try {
      try (TestServer server = TestServer.start(config)) {
        Http squatter = server.httpFrom("127.0.0.20");
        for (int i = 0; i < 3; i++) {
          assertThat(squatter.post("/api/rooms", null).status()).isEqualTo(200);
        }
        Http.Response refused = squatter.post("/api/rooms", null);
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.json().getString("error")).isEqualTo("Too many rooms from your address");
        assertThat(server.httpFrom("127.0.0.21").post("/api/rooms", null).status()).isEqualTo(200);
      }
      try (TestServer restarted = TestServer.start(config)) {
        assertThat(restarted.http.get("/health").json().getInteger("rooms")).isEqualTo(4);
        assertThat(restarted.httpFrom("127.0.0.20").post("/api/rooms", null).status())
            .as("the count survives a restart").isEqualTo(429);
        assertThat(restarted.httpFrom("127.0.0.22").post("/api/rooms", null).status()).isEqualTo(200);
      }
    } finally {
      TestServer.deleteRecursively(data);
    }
  }

  @Test
  void aRoomNobodyJoinedIsSweptSoonAndAUsedOneIsNotAlsoAfterARestart() {
    Path data = TestServer.tempDir();
    JsonObject keepAll = new JsonObject().put(Settings.DATA_DIR, data.toString());
    JsonObject sweepUnused = keepAll.copy().put(Settings.UNUSED_ROOM_TIMEOUT_SECONDS, 1)
        .put(Settings.SWEEP_INTERVAL_SECONDS, 1).put(Settings.MAX_ROOMS_PER_IP, 2);
    try {
      try (TestServer server = TestServer.start(keepAll)) { // made before: one used, one never joined
        server.httpFrom("127.0.0.30").post("/api/rooms", new JsonObject().put("desired_room_code", "UNUSED").encode());
        server.httpFrom("127.0.0.30").post("/api/rooms", new JsonObject().put("desired_room_code", "JOINED").encode());
        try (WsClient peer = server.connect()) {
          peer.join("JOINED", "peer", true);
        }
        server.http.await("/api/rooms/JOINED", r -> r.json().getValue("empty_since") != null, "JOINED empty again");
      }
      try (TestServer restarted = TestServer.start(sweepUnused)) {
        assertThat(restarted.httpFrom("127.0.0.30").post("/api/rooms", null).status()).isEqualTo(429);
        restarted.http.awaitStatus("/api/rooms/UNUSED", 404);
        assertThat(restarted.http.get("/api/rooms/JOINED").status()).as("used: the hour's idle timeout").isEqualTo(200);
        // the swept room no longer counts against its creator
        assertThat(restarted.httpFrom("127.0.0.30").post("/api/rooms", new JsonObject()
            .put("desired_room_code", "AGAIN1").encode()).status()).isEqualTo(200);
      }
    } finally {
      TestServer.deleteRecursively(data);
    }
  }
}
