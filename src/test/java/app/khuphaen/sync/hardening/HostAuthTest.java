package app.khuphaen.sync.hardening;

import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.support.Http;
import app.khuphaen.sync.support.LogCapture;
import app.khuphaen.sync.support.Messages;
import app.khuphaen.sync.support.TestServer;
import app.khuphaen.sync.support.WsClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The host key: handed out once, required where HOST_AUTH=required, always for delete and restore. */
class HostAuthTest {

  private static JsonObject create(TestServer server, String code) {
    return server.http.post("/api/rooms", new JsonObject().put("desired_room_code", code).encode()).json();
  }

  @Test
  void theKeyIsShownOnlyWhenTheRoomIsCreatedAndNeverLogged() {
    try (LogCapture logs = new LogCapture(org.slf4j.Logger.ROOT_LOGGER_NAME);
         TestServer server = TestServer.start()) {
      JsonObject created = create(server, "KEYS01");
      String key = created.getString("host_key");
      assertThat(key).hasSizeGreaterThanOrEqualTo(32);
      JsonObject restored = create(server, "KEYS01");
      assertThat(restored.getBoolean("restored")).isTrue();
      assertThat(restored.containsKey("host_key")).isFalse();
      assertThat(server.http.get("/api/rooms/KEYS01").body()).doesNotContain(key);
      try (WsClient host = server.connect()) {
        host.send(Messages.join("KEYS01", "host", true).put("host_key", key));
        assertThat(host.next("room_info").encode()).doesNotContain(key);
      }
      assertThat(logs.lines()).isNotEmpty().noneMatch(line -> line.contains(key));
    }
  }

  /** Squatters that fill the room cannot keep out the holder of its key, in either mode. */
  @Test
  void aFullRoomStillTakesTheHolderOfItsKey() {
    for (String mode : new String[] {"required", "off"}) {
      try (TestServer server = TestServer.start(new JsonObject().put(Settings.HOST_AUTH, mode).put(Settings.MAX_PEERS_PER_ROOM, 2));
           WsClient squatter1 = server.connect(); WsClient squatter2 = server.connect(); WsClient third = server.connect();
           WsClient host = server.connect()) {
        String key = create(server, "SQUAT1").getString("host_key");
        squatter1.join("SQUAT1", "squatter-1", false);
        squatter2.join("SQUAT1", "squatter-2", false);
        third.send(Messages.join("SQUAT1", "squatter-3", false));
        third.expectError("Room is full");

        host.send(Messages.join("SQUAT1", "the-host", true).put("host_key", key));
        assertThat(host.next("room_info").getJsonArray("peers")).as("HOST_AUTH=%s", mode).hasSize(3);
        host.next("connected");
        host.next("peer_joined");
        assertThat(squatter2.next("peer_joined").getJsonObject("peer").getString("id")).isEqualTo("the-host");
        // the key is the way in, not a claim of being the host
        third.send(Messages.join("SQUAT1", "squatter-3", true));
        third.expectError("required".equals(mode) ? "Invalid host key" : "Room is full");
      }
    }
  }

  @Test
  void withHostAuthOffTheFrontEndWorksWithoutKeys() {
    try (TestServer server = TestServer.start();
         WsClient host = server.connect(); WsClient guest = server.connect()) {
      create(server, "OFF001");
      host.join("OFF001", "host", true); // no key: accepted, as the front end sends none
      guest.join("OFF001", "guest", false);
      host.next("peer_joined");
      guest.send(Messages.syncDocument("guests may sync"));
      assertThat(host.next("document_sync").getString("document")).isEqualTo("guests may sync");
    }
  }

  @Test
  void withHostAuthRequiredOnlyTheKeyHolderIsHostAndMaySync() {
    try (TestServer server = TestServer.start(new JsonObject().put(Settings.HOST_AUTH, "required"));
         WsClient pretender = server.connect(); WsClient host = server.connect(); WsClient guest = server.connect()) {
      String key = create(server, "AUTH01").getString("host_key");

      pretender.send(Messages.join("AUTH01", "mallory", true));
      pretender.expectError("Invalid host key");
      pretender.send(Messages.join("AUTH01", "mallory", true).put("host_key", "not-the-key"));
      pretender.expectError("Invalid host key");
      assertThat(server.http.get("/api/rooms/AUTH01").json().getInteger("peer_count")).isZero();

      host.send(Messages.join("AUTH01", "host", true).put("host_key", key));
      JsonObject info = host.next("room_info");
      assertThat(info.getJsonArray("peers").getJsonObject(0).getBoolean("is_host")).isTrue();
      host.next("connected");
      host.next("peer_joined");
      guest.join("AUTH01", "guest", false);
      host.next("peer_joined");

      guest.send(Messages.syncDocument("guest's attempt"));
      guest.expectError("Only the host may sync the document");
      host.send(Messages.syncDocument("host's document"));
      assertThat(guest.next("document_sync").getString("document")).isEqualTo("host's document");
      guest.send(Messages.action("request_sync"));
      assertThat(guest.next("document_sync").getString("document")).isEqualTo("host's document");
      guest.send(Messages.broadcast("guests still talk"));
      assertThat(host.next("data").getString("data")).isEqualTo("guests still talk");
    }
  }

  /** The host's peer id is public (GET /api/rooms/:code): with keys required, it takes the key too. */
  @Test
  void withHostAuthRequiredNobodyJoinsUnderTheHostsPeerIdWithoutTheKey() {
    try (TestServer server = TestServer.start(new JsonObject().put(Settings.HOST_AUTH, "required"));
         WsClient impostor = server.connect(); WsClient host = server.connect()) {
      JsonObject created = create(server, "AUTH03");
      String hostId = server.http.get("/api/rooms/AUTH03").json().getString("host_id");
      impostor.send(Messages.join("AUTH03", hostId, false));
      impostor.expectError("Invalid host key");
      impostor.send(Messages.join("AUTH03", hostId, false).put("host_key", "not-the-key"));
      impostor.expectError("Invalid host key");
      assertThat(server.http.get("/api/rooms/AUTH03").json().getInteger("peer_count")).isZero();

      host.send(Messages.join("AUTH03", hostId, true).put("host_key", created.getString("host_key")));
      assertThat(host.next("room_info").getJsonArray("peers").getJsonObject(0).getBoolean("is_host")).isTrue();
    }
    // with keys off, nothing changes for the front end: a peer may join under any id
    try (TestServer server = TestServer.start(); WsClient anyone = server.connect()) {
      create(server, "OFF002");
      String hostId = server.http.get("/api/rooms/OFF002").json().getString("host_id");
      anyone.join("OFF002", hostId, false);
    }
  }

  @Test
  void withHostAuthRequiredRestoringAnExistingCodeNeedsTheKey() {
    try (TestServer server = TestServer.start(new JsonObject().put(Settings.HOST_AUTH, "required"))) {
      String key = create(server, "AUTH02").getString("host_key");
      Http.Response without = server.http.post("/api/rooms", new JsonObject().put("desired_room_code", "AUTH02").encode());
      assertThat(without.status()).isEqualTo(403);
      assertThat(without.json().getString("error")).isEqualTo("Room exists: its host_key is required to restore it");
      Http.Response with = server.http.post("/api/rooms",
          new JsonObject().put("desired_room_code", "AUTH02").put("host_key", key).encode());
      assertThat(with.status()).isEqualTo(200);
      assertThat(with.json().getBoolean("restored")).isTrue();
      assertThat(with.json().containsKey("host_key")).isFalse();
    }
  }

  @Test
  void deletingARoomTakesItsKeyAndEvictsItsPeers() {
    try (TestServer server = TestServer.start();
         WsClient host = server.connect(); WsClient guest = server.connect()) {
      String key = create(server, "GONE02").getString("host_key");
      host.join("GONE02", "host", true);
      guest.join("GONE02", "guest", false);
      host.next("peer_joined");

      assertThat(server.http.request(HttpMethod.DELETE, "/api/rooms/GONE02", null, Map.of()).status()).isEqualTo(401);
      Http.Response wrong = server.http.request(HttpMethod.DELETE, "/api/rooms/GONE02", null,
          Map.of("Authorization", "Bearer nope"));
      assertThat(wrong.status()).isEqualTo(401);
      assertThat(wrong.json().getString("error")).isEqualTo("Invalid host key");
      assertThat(server.http.get("/api/rooms/GONE02").status()).isEqualTo(200);

      Http.Response deleted = server.http.request(HttpMethod.DELETE, "/api/rooms/GONE02", null,
          Map.of("Authorization", "Bearer " + key));
      assertThat(deleted.status()).isEqualTo(200);
      host.expectError("Room deleted");
      guest.expectError("Room deleted");
      assertThat(server.http.get("/api/rooms/GONE02").status()).isEqualTo(404);
      guest.send(Messages.broadcast("anyone?"));
      guest.expectError("Not in a room");
      assertThat(server.http.request(HttpMethod.DELETE, "/api/rooms/GONE02", null,
          Map.of("Authorization", "Bearer " + key)).status()).isEqualTo(404);
    }
  }

  @Test
  void restoringARevisionTakesTheKeyAndRelaysItAsTheNewLatest() {
    try (TestServer server = TestServer.start();
         WsClient host = server.connect(); WsClient guest = server.connect()) {
      String key = create(server, "UNDO01").getString("host_key");
      host.join("UNDO01", "host", true);
      guest.join("UNDO01", "guest", false);
      host.next("peer_joined");
      for (String version : new String[] {"good", "bad"}) {
        host.send(Messages.syncDocument(version));
        assertThat(guest.next("document_sync").getString("document")).isEqualTo(version);
        awaitRevisions(server, "UNDO01", version.equals("good") ? 1 : 2);
      }
      String path = "/api/rooms/UNDO01/revisions/1/restore";
      assertThat(server.http.request(HttpMethod.POST, path, null, Map.of()).status()).isEqualTo(401);
      Http.Response restored = server.http.request(HttpMethod.POST, path, null, Map.of("Authorization", "Bearer " + key));
      assertThat(restored.status()).isEqualTo(200);
      assertThat(guest.next("document_sync").getString("document")).isEqualTo("good");
      assertThat(host.next("document_sync").getString("document")).isEqualTo("good");
      Http.Response latest = server.http.asHost("UNDO01", "/api/rooms/UNDO01/document");
      assertThat(latest.body()).isEqualTo("good");
      assertThat(latest.headers().get("ETag")).isEqualTo("\"3\"");
      assertThat(server.http.request(HttpMethod.POST, "/api/rooms/UNDO01/revisions/9/restore", null,
          Map.of("Authorization", "Bearer " + key)).status()).isEqualTo(404);
    }
  }

  private static void awaitRevisions(TestServer server, String code, int count) {
    server.http.await("/api/rooms/" + code + "/revisions", Http.hostAuthorization(code),
        r -> r.json().getJsonArray("revisions").size() >= count, count + " revisions of " + code);
  }
}
