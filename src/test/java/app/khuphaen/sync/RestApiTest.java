package app.khuphaen.sync;

import app.khuphaen.sync.support.Http;
import app.khuphaen.sync.support.LogCapture;
import app.khuphaen.sync.support.ServerTest;
import app.khuphaen.sync.support.WsClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RestApiTest extends ServerTest {

  @Test
  void rootDescribesTheServer() {
    Http.Response response = server.http.get("/");
    assertThat(response.status()).isEqualTo(200);
    JsonObject body = response.json();
    assertThat(body.getString("name")).isEqualTo("Khu Phaen Sync Server");
    assertThat(body.getString("version")).isNotBlank();
    assertThat(body.getString("status")).isEqualTo("running");
    assertThat(body.getString("websocket")).isEqualTo("/ws");
    assertThat(body.getJsonObject("api")).isEqualTo(new JsonObject()
        .put("create_room", "POST /api/rooms")
        .put("room_info", "GET /api/rooms/:room_code"));
  }

  @Test
  void healthCountsRooms() {
    JsonObject before = server.http.get("/health").json();
    assertThat(before.getString("status")).isEqualTo("healthy");
    assertThat(before.getInteger("rooms")).isZero();
    assertThat(Instant.parse(before.getString("timestamp"))).isNotNull();
    server.createRoom("HEALTH1");
    Http.Response after = server.http.get("/health");
    assertThat(after.status()).isEqualTo(200);
    assertThat(after.json().getInteger("rooms")).isEqualTo(1);
  }

  @Test
  void livenessAndReadinessForOrchestrators() {
    assertThat(server.http.get("/health/live").json().getString("status")).isEqualTo("live");
    Http.Response ready = server.http.get("/health/ready");
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.json().getString("status")).isEqualTo("ready");
  }

  @Test
  void createsRoomWithGeneratedCodeAndHostId() {
    Http.Response response = server.http.post("/api/rooms", null);
    assertThat(response.status()).isEqualTo(200);
    JsonObject body = response.json();
    assertThat(body.getBoolean("success")).isTrue();
    assertThat(body.getString("room_code")).matches("[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}");
    assertThat(body.getString("room_id")).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    assertThat(body.getString("host_id")).matches("host_[0-9a-f]{8}");
    assertThat(body.getString("websocket_url")).isEqualTo("ws://127.0.0.1:" + server.port + "/ws");
    assertThat(body.containsKey("restored")).isFalse();
  }

  @Test
  void websocketUrlFollowsTheHostHeader() {
    Http.Response response = server.http.request(HttpMethod.POST, "/api/rooms", "", Map.of("Host", "sync.example.org"));
    assertThat(response.json().getString("websocket_url")).isEqualTo("ws://sync.example.org/ws");
  }

  @Test
  void anyBodyThatIsNotAJsonObjectMeansNoWishes() {
    // five bodies: the creation burst allows five
    for (String body : new String[] {"", "not json {", "[1,2]", "\"text\"", "{\"desired_room_code\":null}"}) {
      Http.Response response = server.http.post("/api/rooms", body);
      assertThat(response.status()).as(body).isEqualTo(200);
      assertThat(response.json().getString("room_code")).as(body).hasSize(6);
    }
  }

  /** A form or multipart body is no wish either, and the server makes no upload folder for it. */
  @Test
  void aFormBodyMeansNoWishesAndMakesNoUploadFolder() {
    Http.Response response = server.httpFrom("127.0.0.7").request(HttpMethod.POST, "/api/rooms",
        "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\nhello\r\n--b--\r\n",
        Map.of("Content-Type", "multipart/form-data; boundary=b"));
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json().getString("room_code")).hasSize(6);
    assertThat(java.nio.file.Path.of("file-uploads")).doesNotExist();
  }

  @Test
  void desiredCodeIsUpperCasedAndDesiredHostIdKept() {
    Http.Response response = server.http.post("/api/rooms",
        new JsonObject().put("desired_room_code", "my-team_1").put("desired_host_id", "alice").encode());
    JsonObject body = response.json();
    assertThat(body.getString("room_code")).isEqualTo("MY-TEAM_1");
    assertThat(body.getString("host_id")).isEqualTo("alice");
  }

  @Test
  void existingCodeIsRestoredWithTheSameRoom() {
    JsonObject created = server.createRoom("RESTOREME");
    Http.Response again = server.http.post("/api/rooms",
        new JsonObject().put("desired_room_code", "restoreme").put("desired_host_id", "someone-else").encode());
    assertThat(again.status()).isEqualTo(200);
    JsonObject body = again.json();
    assertThat(body.getBoolean("restored")).isTrue();
    assertThat(body.getString("room_code")).isEqualTo("RESTOREME");
    assertThat(body.getString("room_id")).isEqualTo(created.getString("room_id"));
    assertThat(body.getString("host_id")).isEqualTo(created.getString("host_id"));
    assertThat(body.getString("websocket_url")).isEqualTo(created.getString("websocket_url"));
  }

  @Test
  void invalidWishesAreRejected() {
    // each request from its own address, so the creation rate limit stays out of the way
    int client = 10;
    for (Object code : new Object[] {"abc", "x".repeat(65), "has space", "ห้อง", 12345, true}) {
      Http.Response response = server.httpFrom("127.0.0." + client++)
          .post("/api/rooms", new JsonObject().put("desired_room_code", code).encode());
      assertThat(response.status()).as("code %s", code).isEqualTo(400);
      assertThat(response.json().getBoolean("success")).isFalse();
      assertThat(response.json().getString("error")).startsWith("Invalid room code");
    }
    for (Object hostId : new Object[] {"", "x".repeat(129), "tab\there", 7}) {
      Http.Response response = server.httpFrom("127.0.0." + client++)
          .post("/api/rooms", new JsonObject().put("desired_host_id", hostId).encode());
      assertThat(response.status()).as("host id %s", hostId).isEqualTo(400);
      assertThat(response.json().getString("error")).startsWith("Invalid host id");
    }
  }

  @Test
  void roomInfoListsPeersAndUnknownRoomIs404() {
    JsonObject created = server.createRoom("INFO42");
    try (WsClient host = server.connect()) {
      host.send(new JsonObject().put("action", "join").put("room_code", "info42").put("peer_id", "alice")
          .put("is_host", true).put("metadata", new JsonObject().put("name", "Alice")));
      host.next("room_info");
      host.next("connected");
      host.next("peer_joined");

      Http.Response response = server.http.get("/api/rooms/info42");
      assertThat(response.status()).isEqualTo(200);
      JsonObject body = response.json();
      assertThat(body.getBoolean("success")).isTrue();
      assertThat(body.getString("room_code")).isEqualTo("INFO42");
      assertThat(body.getString("host_id")).isEqualTo(created.getString("host_id"));
      assertThat(body.getInteger("peer_count")).isEqualTo(1);
      assertThat(Instant.parse(body.getString("created_at"))).isNotNull();
      JsonObject peer = body.getJsonArray("peers").getJsonObject(0);
      assertThat(peer.getString("id")).isEqualTo("alice");
      assertThat(peer.getBoolean("is_host")).isTrue();
      assertThat(peer.getJsonObject("metadata")).isEqualTo(new JsonObject().put("name", "Alice"));
      assertThat(peer.getString("joined_at")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    }
    Http.Response missing = server.http.get("/api/rooms/NOPE99");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.json()).isEqualTo(new JsonObject().put("success", false).put("error", "Room not found"));
  }

  @Test
  void corsAllowsAnyOriginAndPreflightAnswers204() {
    Http.Response get = server.http.request(HttpMethod.GET, "/health", null, Map.of("Origin", "https://app.example"));
    assertThat(get.headers().get("Access-Control-Allow-Origin")).isEqualTo("*");

    Http.Response preflight = server.http.request(HttpMethod.OPTIONS, "/api/rooms", null, Map.of(
        "Origin", "https://app.example",
        "Access-Control-Request-Method", "POST",
        "Access-Control-Request-Headers", "content-type,x-custom"));
    assertThat(preflight.status()).isEqualTo(204);
    assertThat(preflight.headers().get("Access-Control-Allow-Origin")).isEqualTo("*");
    assertThat(preflight.headers().get("Access-Control-Allow-Methods")).contains("POST");
    assertThat(preflight.headers().get("Access-Control-Allow-Headers")).contains("content-type", "x-custom");
  }

  @Test
  void creationIsRateLimitedPerClient() {
    for (int i = 0; i < 5; i++) {
      assertThat(server.http.post("/api/rooms", null).status()).as("creation %d", i + 1).isEqualTo(200);
    }
    Http.Response limited = server.http.request(HttpMethod.POST, "/api/rooms", null, Map.of("Origin", "https://app.example"));
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.json()).isEqualTo(new JsonObject().put("success", false).put("error", "Too many requests"));
    assertThat(Integer.parseInt(limited.headers().get("Retry-After"))).isBetween(1, 2);
    assertThat(limited.headers().get("Access-Control-Allow-Origin")).isEqualTo("*");
    // other endpoints are not limited, and other clients have their own budget
    assertThat(server.http.get("/health").status()).isEqualTo(200);
    assertThat(server.httpFrom("127.0.0.2").post("/api/rooms", null).status()).isEqualTo(200);
  }

  @Test
  void unknownPathIsAJson404() {
    Http.Response response = server.http.get("/no/such/thing");
    assertThat(response.status()).isEqualTo(404);
    assertThat(response.json().getBoolean("success")).isFalse();
  }

  /**
   * A bad escape is the client's mistake: 400, and one WARN line per address per minute, no stack
   * trace. Each request on a connection of its own, so they reach different event loops.
   */
  @Test
  void malformedUrlsAnswer400AndAreLoggedOncePerClient() {
    try (LogCapture log = new LogCapture(org.slf4j.Logger.ROOT_LOGGER_NAME)) {
      for (int i = 0; i < 3; i++) {
        Http.Response response = server.httpFrom("127.0.0.1").get("/api/rooms/%zz" + i);
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json()).isEqualTo(new JsonObject().put("success", false).put("error", "Bad request"));
      }
      assertThat(log.errors()).isEmpty();
      assertThat(log.lines().stream().filter(line -> line.contains("refused as malformed"))).hasSize(1);
    }
  }
}

