package app.khuphaen.sync.hardening;

import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.support.Http;
import app.khuphaen.sync.support.Messages;
import app.khuphaen.sync.support.TestServer;
import app.khuphaen.sync.support.WsClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An outsider guessing room codes: past a few misses an address must wait, longer each time, before
 * it may name any room again (REST and WebSocket alike), and what a found code opens: not the stored
 * documents, which take the host key.
 */
class RoomGuessingTest {
  private static final JsonObject THREE_MISSES = new JsonObject().put(Settings.LOOKUP_MISS_BURST, 3);

  @Test
  void restLookupsOfUnknownCodesMakeTheAddressWaitForEveryCodeWhileOthersAreServed() {
    try (TestServer server = TestServer.start(THREE_MISSES)) {
      server.createRoom("REAL01");
      Http guesser = server.httpFrom("127.0.0.7");
      for (int i = 0; i < 4; i++) { // the burst, then the first past it
        assertThat(guesser.get("/api/rooms/GUESS" + i).status()).isEqualTo(404);
      }
      Http.Response paused = guesser.get("/api/rooms/REAL01"); // an existing room too: no answer tells
      assertThat(paused.status()).isEqualTo(429);
      assertThat(paused.json().getString("error")).isEqualTo("Too many requests");
      assertThat(paused.headers().get("Retry-After")).isEqualTo("1");
      assertThat(guesser.get("/api/rooms/REAL01/revisions").status()).isEqualTo(429);
      assertThat(guesser.post("/api/rooms", new JsonObject().put("desired_room_code", "REAL01").encode()).status())
          .as("naming a code to restore is a lookup too").isEqualTo(429);
      assertThat(guesser.post("/api/rooms", null).status()).as("a new room names no code").isEqualTo(200);

      assertThat(server.httpFrom("127.0.0.8").get("/api/rooms/REAL01").status()).as("another client").isEqualTo(200);

      // the wait passes (1 s); the next miss doubles it
      guesser.await("/api/rooms/REAL01", r -> r.status() == 200, "the first wait over");
      assertThat(guesser.get("/api/rooms/GUESS9").status()).isEqualTo(404);
      assertThat(guesser.get("/api/rooms/REAL01").headers().get("Retry-After")).isEqualTo("2");
    }
  }

  @Test
  void webSocketJoinsOfUnknownCodesCountAndASocketThatKeepsTryingIsClosed() {
    try (TestServer server = TestServer.start(THREE_MISSES);
         WsClient guesser = WsClient.connectFrom(server.vertx, server.port, "127.0.0.9")) {
      server.createRoom("REAL02");
      for (int i = 0; i < 4; i++) {
        guesser.send(Messages.join("GUESS" + i, "mallory", false));
        guesser.expectError("Room not found");
      }
      for (int i = 0; i < 3; i++) {
        guesser.send(Messages.join("REAL02", "mallory", false));
        guesser.expectError("Too many unknown room codes: try again later");
      }
      assertThat(guesser.awaitClose()).isEqualTo((short) 1008);
      // a REST lookup from the same address waits as well: one count per address
      assertThat(server.httpFrom("127.0.0.9").get("/api/rooms/REAL02").status()).isEqualTo(429);
      try (WsClient member = WsClient.connectFrom(server.vertx, server.port, "127.0.0.10")) {
        member.join("REAL02", "member", false); // who knows the code is not held up
      }
    }
  }

  @Test
  void theStoredDocumentsTakeTheHostKeyInEveryMode() {
    for (String mode : new String[] {"off", "required"}) {
      try (TestServer server = TestServer.start(new JsonObject().put(Settings.HOST_AUTH, mode));
           WsClient host = server.connect()) {
        String key = server.createRoom("DOCS01").getString("host_key");
        host.send(Messages.join("DOCS01", "host", true).put("host_key", key));
        host.next("room_info");
        host.send(Messages.syncDocument("the team's tasks"));
        server.http.awaitStored("DOCS01", "the team's tasks");
        for (String path : new String[] {"/api/rooms/DOCS01/document", "/api/rooms/DOCS01/revisions",
            "/api/rooms/DOCS01/revisions/1"}) {
          assertThat(server.http.get(path).status()).as("%s without the key, HOST_AUTH=%s", path, mode).isEqualTo(401);
          assertThat(server.http.request(HttpMethod.GET, path, null, Map.of("Authorization", "Bearer wrong")).status())
              .isEqualTo(401);
          assertThat(server.http.request(HttpMethod.GET, path, null, Map.of("Authorization", "Bearer " + key)).status())
              .isEqualTo(200);
        }
      }
    }
  }
}
