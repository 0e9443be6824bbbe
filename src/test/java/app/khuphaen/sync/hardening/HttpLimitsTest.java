package app.khuphaen.sync.hardening;

import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.support.Await;
import app.khuphaen.sync.support.RawHttp;
import app.khuphaen.sync.support.TestServer;
import app.khuphaen.sync.support.WsClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Plain HTTP connections: timeouts, the per-address cap, and a 413 that ends the connection. */
class HttpLimitsTest {
  private static final String HEALTH = "GET /health HTTP/1.1\r\nHost: test\r\n\r\n";

  @Test
  void aRequestHeadThatNeverEndsIsCutOffAfterTheHeaderTimeout() throws Exception {
    try (TestServer server = TestServer.start(new JsonObject().put(Settings.HTTP_HEADER_TIMEOUT_SECONDS, 1));
         RawHttp slowloris = RawHttp.connect(server.port); RawHttp silent = RawHttp.connect(server.port)) {
      slowloris.send("GET /health HTTP/1.1\r\nHost: test\r\n"); // and never the blank line
      assertThat(slowloris.awaitEnd()).isTrue();
      assertThat(silent.awaitEnd()).isTrue(); // connected, sent nothing
    }
  }

  @Test
  void anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeoutAndServesRequestsUntilThen() throws Exception {
    try (TestServer server = TestServer.start(new JsonObject().put(Settings.HTTP_IDLE_TIMEOUT_SECONDS, 1));
         RawHttp client = RawHttp.connect(server.port)) {
      client.send(HEALTH);
      assertThat(client.readResponse().status()).isEqualTo(200);
      client.send(HEALTH); // the same connection, kept alive
      assertThat(client.readResponse().status()).isEqualTo(200);
      assertThat(client.awaitEnd()).isTrue();
    }
  }

  @Test
  void aBodyThatStopsArrivingIsCutOffAfterTheIdleTimeout() throws Exception {
    try (TestServer server = TestServer.start(new JsonObject().put(Settings.HTTP_IDLE_TIMEOUT_SECONDS, 1));
         RawHttp client = RawHttp.connect(server.port)) {
      client.send("POST /api/rooms HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"desi");
      assertThat(client.awaitEnd()).isTrue();
    }
  }

  @Test
  void webSocketsAreNotSubjectToTheHttpTimeoutsNorTheHttpCap() throws Exception {
    try (TestServer server = TestServer.start(new JsonObject()
        .put(Settings.HTTP_HEADER_TIMEOUT_SECONDS, 1).put(Settings.HTTP_IDLE_TIMEOUT_SECONDS, 1)
        .put(Settings.MAX_HTTP_CONNECTIONS_PER_IP, 2))) {
      server.createRoom("HTTP01");
      List<WsClient> peers = new ArrayList<>();
      try {
        for (int i = 0; i < 5; i++) {
          WsClient peer = server.connect();
          peers.add(peer);
          peer.join("HTTP01", "p" + i, i == 0);
        }
        // a plain connection opened after them is cut off by the header timeout: by then the
        // WebSockets have been open longer than either timeout (their heartbeat is 30 s)
        try (RawHttp plain = RawHttp.connect("127.0.0.2", server.port)) {
          assertThat(plain.awaitEnd()).isTrue();
        }
        peers.get(0).send(new JsonObject().put("action", "broadcast").put("data", "still here"));
        for (int i = 1; i < 5; i++) {
          JsonObject message;
          do {
            message = peers.get(i).next(); // after the peer_joined of those who joined later
          } while ("peer_joined".equals(message.getString("type")));
          assertThat(message.getString("data")).isEqualTo("still here");
        }
      } finally {
        peers.forEach(WsClient::close);
      }
    }
  }

  @Test
  void oneAddressHoldsAtMostMaxHttpConnectionsPerIpAndOthersAreNotAffected() throws Exception {
    try (TestServer server = TestServer.start(new JsonObject().put(Settings.MAX_HTTP_CONNECTIONS_PER_IP, 3))) {
      List<RawHttp> held = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          held.add(RawHttp.connect(server.port));
        }
        held.forEach(c -> sendQuietly(c, "GET /health HTTP/1.1\r\nHost: test\r\n")); // unfinished
        try (RawHttp fourth = RawHttp.connect(server.port)) {
          assertThat(fourth.awaitEnd()).isTrue(); // closed before anything was read
        }
        try (RawHttp other = RawHttp.connect("127.0.0.2", server.port)) {
          other.send(HEALTH);
          assertThat(other.readResponse().status()).isEqualTo(200);
        }
        held.remove(0).close();
        // the count is returned when the server sees the close: a new connection gets in then
        Await.until("a connection served again", () -> {
          try (RawHttp again = RawHttp.connect(server.port)) {
            again.send(HEALTH);
            return again.readResponse().status() == 200;
          } catch (java.io.IOException refusedYet) {
            return false; // the server had not seen the close yet
          }
        });
      } finally {
        for (RawHttp c : held) {
          c.close();
        }
      }
    }
  }

  @Test
  void aBodyOverTheLimitIsAnswered413AndTheConnectionEndsWithoutReadingTheRest() throws Exception {
    try (TestServer server = TestServer.start(); RawHttp client = RawHttp.connect(server.port)) {
      client.send("POST /api/rooms HTTP/1.1\r\nHost: test\r\nOrigin: https://app.example\r\n"
          + "Content-Type: application/json\r\nContent-Length: 209715200\r\n\r\n");
      client.send(new byte[256 * 1024]); // of the 200 MB announced
      RawHttp.Response response = client.readResponse();
      assertThat(response.status()).isEqualTo(413);
      assertThat(new JsonObject(response.body()).getString("error")).isEqualTo("Request body too large");
      assertThat(response.head().toLowerCase()).contains("connection: close").contains("access-control-allow-origin");
      assertThat(client.awaitEnd()).isTrue(); // without the other 199.75 MB
    }
  }

  private static void sendQuietly(RawHttp connection, String text) {
    try {
      connection.send(text);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }
}
