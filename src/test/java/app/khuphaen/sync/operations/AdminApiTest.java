package app.khuphaen.sync.operations;

import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.support.Http;
import app.khuphaen.sync.support.Messages;
import app.khuphaen.sync.support.TestServer;
import app.khuphaen.sync.support.WsClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The admin API over a real server: its token rules, the rooms it shows, and what the operator may do. */
class AdminApiTest {
  static final String TOKEN = "operator-token-0123456789";
  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(new JsonObject().put(Settings.ADMIN_TOKEN, TOKEN));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static Http.Response admin(TestServer server, HttpMethod method, String path) {
    return server.http.request(method, path, null, Map.of("Authorization", "Bearer " + TOKEN));
  }

  @Test
  void withoutAdminTokenEveryAdminRouteIsNotFound() {
    try (TestServer plain = TestServer.start()) {
      plain.createRoom("ADM000");
      Map<String, String> anyToken = Map.of("Authorization", "Bearer " + TOKEN);
      assertThat(plain.http.request(HttpMethod.GET, "/api/admin/rooms", null, anyToken).status()).isEqualTo(404);
      assertThat(plain.http.request(HttpMethod.GET, "/api/admin/rooms/ADM000", null, Map.of()).status()).isEqualTo(404);
      assertThat(plain.http.request(HttpMethod.DELETE, "/api/admin/rooms/ADM000", null, anyToken).status()).isEqualTo(404);
      assertThat(plain.http.request(HttpMethod.POST, "/api/admin/rooms/ADM000/peers/x/disconnect", null, anyToken).status())
          .isEqualTo(404);
      assertThat(plain.http.get("/api/rooms/ADM000").status()).isEqualTo(200); // untouched
    }
  }

  @Test
  void aMissingOrWrongTokenIsUnauthorized() {
    Http.Response none = server.http.get("/api/admin/rooms");
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.headers().get("WWW-Authenticate")).isEqualTo("Bearer");
    assertThat(none.json()).isEqualTo(new JsonObject().put("success", false).put("error", "Unauthorized"));
    Map<String, String> wrong = Map.of("Authorization", "Bearer " + TOKEN + "x");
    assertThat(server.http.request(HttpMethod.GET, "/api/admin/rooms", null, wrong).status()).isEqualTo(401);
    assertThat(server.http.request(HttpMethod.DELETE, "/api/admin/rooms/ADM001", null, wrong).status()).isEqualTo(401);
    Map<String, String> basic = Map.of("Authorization", "Basic " + TOKEN);
    assertThat(server.http.request(HttpMethod.GET, "/api/admin/rooms", null, basic).status()).isEqualTo(401);
  }

  @Test
  void roomsShowTheirPeersWithEachSocketsNodeAndAddressAndTheirStoredDocument() {
    server.createRoom("ADM002");
    server.createRoom("ADM003");
    try (WsClient host = server.connect(); WsClient tab1 = server.connect(); WsClient tab2 = server.connect()) {
      host.join("ADM002", "host", true);
      tab1.join("ADM002", "guest", false);
      tab2.join("ADM002", "guest", false); // the same peer in a second tab
      host.send(Messages.syncDocument("{\"tasks\":[\"ไทย\"]}"));
      tab2.next("document_sync");
      server.http.awaitStored("ADM002", "{\"tasks\":[\"ไทย\"]}");

      JsonArray rooms = admin(server, HttpMethod.GET, "/api/admin/rooms").json().getJsonArray("rooms");
      JsonObject room = find(rooms, "ADM002");
      assertThat(find(rooms, "ADM003").getInteger("peer_count")).isZero();
      assertThat(room.getInteger("peer_count")).isEqualTo(2);
      assertThat(room.getString("created_at")).isNotBlank();
      assertThat(room.getString("last_activity")).isNotBlank();
      assertThat(room.getJsonObject("document").getLong("revision")).isEqualTo(1);
      assertThat(room.getJsonObject("document").getLong("size")).isEqualTo("{\"tasks\":[\"ไทย\"]}".getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
      JsonObject guest = peer(room, "guest");
      assertThat(guest.getJsonArray("connections")).hasSize(2);
      String node = server.node.membership().nodeId();
      guest.getJsonArray("connections").forEach(c -> {
        assertThat(((JsonObject) c).getString("node")).isEqualTo(node);
        assertThat(((JsonObject) c).getString("address")).isEqualTo("127.0.0.1");
      });
      assertThat(peer(room, "host").getBoolean("is_host")).isTrue();

      Http.Response one = admin(server, HttpMethod.GET, "/api/admin/rooms/adm002"); // codes are case-insensitive
      assertThat(one.status()).isEqualTo(200);
      assertThat(one.json().getJsonObject("room").getInteger("peer_count")).isEqualTo(2);
      assertThat(admin(server, HttpMethod.GET, "/api/admin/rooms/NOROOM").status()).isEqualTo(404);
    }
  }

  @Test
  void theOperatorDisconnectsEverySocketOfAPeerAndTheOthersSeeItLeave() {
    server.createRoom("ADM004");
    try (WsClient host = server.connect(); WsClient tab1 = server.connect(); WsClient tab2 = server.connect()) {
      host.join("ADM004", "host", true);
      tab1.join("ADM004", "abuser", false);
      tab2.join("ADM004", "abuser", false);
      Http.Response answer = admin(server, HttpMethod.POST, "/api/admin/rooms/ADM004/peers/abuser/disconnect");
      assertThat(answer.status()).isEqualTo(200);
      assertThat(answer.json().getInteger("close_code")).isEqualTo(4001);
      tab1.next("peer_joined"); // its own peer's second socket
      for (WsClient victim : new WsClient[] {tab1, tab2}) {
        victim.expectError("Disconnected by the operator");
        assertThat(victim.awaitClose()).isEqualTo((short) 4001);
      }
      JsonObject news = host.next();
      while ("peer_joined".equals(news.getString("type"))) { // the abuser's sockets joining
        news = host.next();
      }
      assertThat(news.getString("type")).isEqualTo("peer_left");
      assertThat(news.getString("peer_id")).isEqualTo("abuser");
      host.expectNothingPending();
      assertThat(admin(server, HttpMethod.POST, "/api/admin/rooms/ADM004/peers/nobody/disconnect").json().getString("error"))
          .isEqualTo("Peer not found");
      assertThat(admin(server, HttpMethod.POST, "/api/admin/rooms/NOROOM/peers/host/disconnect").status()).isEqualTo(404);
    }
  }

  @Test
  void theOperatorDeletesARoomAsItsHostWouldWithoutItsKey() {
    server.createRoom("ADM005");
    try (WsClient peer = server.connect()) {
      peer.join("ADM005", "someone", false);
      assertThat(admin(server, HttpMethod.DELETE, "/api/admin/rooms/ADM005").status()).isEqualTo(200);
      peer.expectError("Room deleted");
      assertThat(server.http.get("/api/rooms/ADM005").status()).isEqualTo(404);
      assertThat(admin(server, HttpMethod.DELETE, "/api/admin/rooms/ADM005").status()).isEqualTo(404);
    }
  }

  static JsonObject find(JsonArray rooms, String code) {
    return rooms.stream().map(JsonObject.class::cast).filter(r -> code.equals(r.getString("code"))).findFirst()
        .orElseThrow(() -> new AssertionError(code + " not listed in " + rooms.encode()));
  }

  static JsonObject peer(JsonObject room, String id) {
    return room.getJsonArray("peers").stream().map(JsonObject.class::cast).filter(p -> id.equals(p.getString("id")))
        .findFirst().orElseThrow(() -> new AssertionError(id + " not in " + room.encode()));
  }
}
