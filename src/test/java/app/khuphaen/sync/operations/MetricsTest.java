package app.khuphaen.sync.operations;

import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.support.Await;
import app.khuphaen.sync.support.Http;
import app.khuphaen.sync.support.Messages;
import app.khuphaen.sync.support.Scrape;
import app.khuphaen.sync.support.TestServer;
import app.khuphaen.sync.support.WsClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * /metrics over a real server: every kp_* counter moves by exactly what a scripted session did, the
 * labels never carry a room code, peer id or address, and METRICS_TOKEN / ADMIN_TOKEN guard it.
 */
class MetricsTest {
  private static final String ADMIN = "admin-token-0123456789";
  private static final String SCRAPER = "metrics-token-0123456789";

  @Test
  void aScriptedSessionMovesEveryCounterByExactlyWhatHappened() {
    int peers = 3;
    int broadcasts = 7;
    try (TestServer server = TestServer.start(new JsonObject().put(Settings.MAX_DATA_BYTES, 1024))) {
      server.createRoom("MET001");
      Scrape before = Scrape.of(server);
      List<WsClient> clients = new ArrayList<>();
      try (WsClient outsider = server.connect()) {
        for (int i = 0; i < peers; i++) {
          WsClient client = server.connect();
          client.join("MET001", "peer-" + i, i == 0);
          for (int earlier = 0; earlier < i; earlier++) {
            clients.get(earlier).next("peer_joined");
          }
          clients.add(client);
        }
        for (int n = 0; n < broadcasts; n++) {
          clients.get(0).send(Messages.broadcast("tick " + n));
        }
        for (int i = 1; i < peers; i++) {
          for (int n = 0; n < broadcasts; n++) {
            assertThat(clients.get(i).next("data").getString("data")).isEqualTo("tick " + n);
          }
        }
        clients.get(1).send(Messages.broadcast("x".repeat(2_000))); // over MAX_DATA_BYTES
        clients.get(1).next("error");
        outsider.send(Messages.broadcast("hello?")); // not in a room
        outsider.next("error");
        outsider.send(Messages.join("NOROOM", "lost", false));
        outsider.next("error");
        clients.get(1).send(Messages.action("ping"));
        clients.get(1).next("pong");
        clients.get(2).sendText("not json");
        clients.get(2).next("error");
        clients.get(2).send(Messages.action("leave"));
        assertThat(clients.get(2).awaitClose()).isEqualTo((short) 1000);
        clients.get(0).next("peer_left");
        clients.get(1).next("peer_left");
        Await.until("the leave's close counted", () -> Scrape.of(server).value("kp_websocket_closes_total", "code", "1000") == 1);

        Scrape after = Scrape.of(server);
        Delta received = name -> after.value("kp_messages_received_total", "action", name)
            - before.value("kp_messages_received_total", "action", name);
        assertThat(received.of("join")).isEqualTo(peers);
        assertThat(received.of("broadcast")).isEqualTo(broadcasts);
        assertThat(received.of("ping")).isEqualTo(1);
        assertThat(received.of("leave")).isEqualTo(1);
        assertThat(received.of("sync_document")).isZero();
        assertThat(received.of("invalid")).isEqualTo(4); // too large, not in a room, no such room, not JSON

        Delta delivered = type -> after.value("kp_messages_delivered_total", "type", type)
            - before.value("kp_messages_delivered_total", "type", type);
        assertThat(delivered.of("data")).isEqualTo(broadcasts * (peers - 1));
        assertThat(delivered.of("room_info")).isEqualTo(peers);
        assertThat(delivered.of("connected")).isEqualTo(peers);
        assertThat(delivered.of("peer_joined")).isEqualTo(peers + peers * (peers - 1) / 2); // own + later joiners'
        assertThat(delivered.of("peer_left")).isEqualTo(peers - 1);
        assertThat(delivered.of("pong")).isEqualTo(1);
        assertThat(delivered.of("error")).isEqualTo(4);
        assertThat(delivered.of("document_sync")).isZero();

        Delta refusals = reason -> after.value("kp_refusals_total", "reason", reason)
            - before.value("kp_refusals_total", "reason", reason);
        assertThat(refusals.of("too_large")).isEqualTo(1);
        assertThat(refusals.of("not_in_room")).isEqualTo(1);
        assertThat(refusals.of("room_not_found")).isEqualTo(1);
        assertThat(refusals.of("rate_limited")).isZero();

        assertThat(after.value("kp_connections")).isEqualTo(3); // two peers and the outsider
        assertThat(after.value("kp_rooms_active")).isEqualTo(1);
        assertThat(after.value("kp_cluster_members")).isEqualTo(1);
        assertThat(after.value("kp_store_queued_writes")).isZero();
        assertThat(after.value("kp_incoming_reserved_bytes")).isZero(); // every message let go
        assertThat(after.value("kp_incoming_waiting")).isZero();
      } finally {
        clients.forEach(WsClient::close);
      }
    }
  }

  @Test
  void documentsAreTimedIntoTheStoreAndVertxJvmAndNettyMetricsAreThereWithoutRoomCodes() {
    try (TestServer server = TestServer.start(); WsClient host = server.connect(); WsClient guest = server.connect()) {
      server.createRoom("MET002");
      host.join("MET002", "host-peer-xyz", true);
      guest.join("MET002", "guest-peer-xyz", false);
      host.next("peer_joined");
      host.send(Messages.syncDocument("{\"tasks\":[]}"));
      guest.next("document_sync");
      server.http.awaitStored("MET002", "{\"tasks\":[]}");
      Await.until("the write timed", () -> Scrape.of(server).value("kp_store_write_seconds_count") == 1);

      Scrape scrape = Scrape.of(server);
      assertThat(scrape.value("kp_messages_received_total", "action", "sync_document")).isEqualTo(1);
      assertThat(scrape.value("kp_store_errors_total")).isZero();
      assertThat(scrape.has("kp_store_write_seconds_bucket")).isTrue();
      assertThat(scrape.has("jvm_memory_used_bytes")).isTrue();
      assertThat(scrape.has("netty_allocator_memory_used")).isTrue();
      assertThat(scrape.has("vertx_http_server_requests_total")).isTrue();
      assertThat(scrape.has("vertx_eventbus_published_total")).isTrue();
      // the upgrade counts as a request answered 101, and is over: nothing stays "active"
      assertThat(scrape.text).contains("code=\"101\"");
      assertThat(scrape.text).doesNotContain("MET002", "host-peer-xyz", "guest-peer-xyz");
      // addresses appear only in the connection pools of this test's own HTTP and WebSocket clients,
      // which share the server's Vert.x; the server itself runs no clients
      assertThat(scrape.text.lines().filter(line -> line.contains("127.0.0.1")))
          .allMatch(line -> line.contains("pool_type=\"http\"") || line.contains("pool_type=\"ws\""));
    }
  }

  @Test
  void metricsAreOpenUnlessMetricsTokenIsSetAndThenEitherTokenOpensThem() {
    try (TestServer open = TestServer.start()) {
      assertThat(open.http.get("/metrics").status()).isEqualTo(200);
      assertThat(open.http.get("/metrics").headers().get("Content-Type")).startsWith("text/plain; version=0.0.4");
    }
    JsonObject config = new JsonObject().put(Settings.METRICS_TOKEN, SCRAPER).put(Settings.ADMIN_TOKEN, ADMIN);
    try (TestServer guarded = TestServer.start(config)) {
      Http http = guarded.http;
      Http.Response none = http.get("/metrics");
      assertThat(none.status()).isEqualTo(401);
      assertThat(none.headers().get("WWW-Authenticate")).isEqualTo("Bearer");
      assertThat(none.json().getString("error")).isEqualTo("Unauthorized");
      assertThat(http.request(HttpMethod.GET, "/metrics", null, bearer("wrong-token-0123456789")).status()).isEqualTo(401);
      assertThat(http.request(HttpMethod.GET, "/metrics", null, Map.of("Authorization", SCRAPER)).status()).isEqualTo(401);
      assertThat(http.request(HttpMethod.GET, "/metrics", null, bearer(SCRAPER)).status()).isEqualTo(200);
      assertThat(http.request(HttpMethod.GET, "/metrics", null, bearer(ADMIN)).status()).isEqualTo(200);
    }
  }

  @Test
  void everySocketsCloseIsCountedByItsCodeAndNoGaugeKeepsAClosedSocket() {
    try (TestServer server = TestServer.start()) {
      // every request on a connection of its own, closed after the answer: once the sockets are
      // gone, the only connection and request Vert.x's HTTP metrics may count is the scrape itself
      Http http = Http.withoutKeepAlive(server.vertx, server.port);
      assertThat(http.post("/api/rooms", "{\"desired_room_code\":\"MET003\"}").status()).isEqualTo(200);
      List<WsClient> clients = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        WsClient client = server.connect();
        client.join("MET003", "closer-" + i, false);
        clients.add(client);
      }
      Await.until("five connections", () -> Scrape.of(http, Map.of()).value("kp_connections") == 5);
      assertThat(Scrape.of(http, Map.of()).value("vertx_http_server_active_connections")).isGreaterThanOrEqualTo(6);
      clients.forEach(WsClient::close); // the clients' normal close
      Await.until("all closed and counted", () -> {
        Scrape scrape = Scrape.of(http, Map.of());
        return scrape.value("kp_connections") == 0
            && scrape.value("kp_websocket_closes_total", "code", "1000") == 5
            && scrape.value("kp_rooms_active") == 0
            && scrape.value("vertx_http_server_active_connections") == 1;
      });
      Scrape last = Scrape.of(http, Map.of());
      assertThat(last.value("vertx_http_server_active_requests", "method", "GET")).isEqualTo(1);
    }
  }

  private static Map<String, String> bearer(String token) {
    return Map.of("Authorization", "Bearer " + token);
  }

  @FunctionalInterface
  private interface Delta {
    double of(String label);
  }
}
