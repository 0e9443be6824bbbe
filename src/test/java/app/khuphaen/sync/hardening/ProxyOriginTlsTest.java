package app.khuphaen.sync.hardening;

import app.khuphaen.sync.config.ConfigException;
import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.support.Await;
import app.khuphaen.sync.support.Http;
import app.khuphaen.sync.support.Messages;
import app.khuphaen.sync.support.TestServer;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProxyOriginTlsTest {

  private static Http.Response post(TestServer server, Map<String, String> headers) {
    return server.http.request(HttpMethod.POST, "/api/rooms", null, headers);
  }

  @Test
  void forwardedHeadersCountOnlyFromTrustedProxies() {
    // untrusted (the default): X-Forwarded-For cannot buy a client a fresh rate-limit bucket
    try (TestServer server = TestServer.start()) {
      for (int i = 0; i < 5; i++) {
        assertThat(post(server, Map.of("X-Forwarded-For", "203.0.113." + i)).status()).isEqualTo(200);
      }
      assertThat(post(server, Map.of("X-Forwarded-For", "203.0.113.99")).status()).isEqualTo(429);
      assertThat(post(server, Map.of("X-Forwarded-Proto", "https")).status()).isEqualTo(429);
    }
    // trusted: each forwarded client has its own bucket, and the forwarded scheme makes wss URLs
    try (TestServer server = TestServer.start(new JsonObject().put(Settings.TRUSTED_PROXIES, "10.0.0.0/8, 127.0.0.1"))) {
      for (int i = 0; i < 5; i++) {
        assertThat(post(server, Map.of("X-Forwarded-For", "203.0.113.7")).status()).isEqualTo(200);
      }
      assertThat(post(server, Map.of("X-Forwarded-For", "203.0.113.7")).status()).isEqualTo(429);
      // the nearest untrusted hop is the client: a spoofed first entry does not help
      assertThat(post(server, Map.of("X-Forwarded-For", "1.2.3.4, 203.0.113.7")).status()).isEqualTo(429);
      Http.Response other = post(server, Map.of("X-Forwarded-For", "198.51.100.1, 10.1.2.3", "X-Forwarded-Proto", "https",
          "Host", "sync.example.org"));
      assertThat(other.status()).isEqualTo(200);
      assertThat(other.json().getString("websocket_url")).isEqualTo("wss://sync.example.org/ws");
    }
  }

  /**
   * A proxy that adds an X-Forwarded-For line of its own (HAProxy's option forwardfor) rather than
   * appending to the client's: the client's forged first line must not choose its address.
   */
  @Test
  void everyForwardedForLineCountsInOrder() {
    try (TestServer server = TestServer.start(new JsonObject().put(Settings.TRUSTED_PROXIES, "127.0.0.1"))) {
      for (int i = 0; i < 8; i++) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap()
            .add("X-Forwarded-For", "198.51.100." + i) // forged by the client
            .add("X-Forwarded-For", "203.0.113.9"); // what the proxy saw
        int expected = i < 5 ? 200 : 429;
        assertThat(server.http.request(HttpMethod.POST, "/api/rooms", null, headers).status())
            .as("creation %d from one client behind the proxy", i + 1).isEqualTo(expected);
      }
    }
  }

  /** websocket_url: from PUBLIC_URL when set, else from Host or a trusted proxy's X-Forwarded-Host only. */
  @Test
  void theWebSocketUrlComesFromThePublicUrlOrFromWhatATrustedProxySays() {
    try (TestServer server = TestServer.start()) {
      Http.Response direct = post(server, Map.of("Host", "sync.example.org:8443", "X-Forwarded-Host", "evil.example"));
      assertThat(direct.json().getString("websocket_url")).isEqualTo("ws://sync.example.org:8443/ws");
    }
    try (TestServer server = TestServer.start(new JsonObject().put(Settings.TRUSTED_PROXIES, "127.0.0.1"))) {
      Http.Response proxied = post(server, Map.of("Host", "10.0.0.5:3001", "X-Forwarded-Host", "tasks.example.org",
          "X-Forwarded-Proto", "https"));
      assertThat(proxied.json().getString("websocket_url")).isEqualTo("wss://tasks.example.org/ws");
    }
    try (TestServer server = TestServer.start(new JsonObject().put(Settings.PUBLIC_URL, "HTTPS://example.org/sync/"))) {
      Http.Response any = post(server, Map.of("Host", "evil.example"));
      assertThat(any.json().getString("websocket_url")).isEqualTo("wss://example.org/sync/ws");
    }
    assertThatThrownBy(() -> Settings.from(new JsonObject().put(Settings.PUBLIC_URL, "ftp://example.org")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("Invalid setting PUBLIC_URL=ftp://example.org: expected an http:// or https:// URL");
  }

  @Test
  void aBadTrustedProxyListStopsStartUp() {
    assertThatThrownBy(() -> TestServer.start(new JsonObject().put(Settings.TRUSTED_PROXIES, "10.0.0.0/40")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("Invalid setting TRUSTED_PROXIES=10.0.0.0/40");
    assertThatThrownBy(() -> TestServer.start(new JsonObject().put(Settings.TRUSTED_PROXIES, "proxy.internal")))
        .isInstanceOf(ConfigException.class);
  }

  @Test
  void anOriginAllowListGuardsCorsAndWebSockets() {
    try (TestServer server = TestServer.start(new JsonObject().put(Settings.CORS_ORIGINS, "https://tasks.example.org"))) {
      Http.Response allowed = server.http.request(HttpMethod.GET, "/health", null, Map.of("Origin", "https://tasks.example.org"));
      assertThat(allowed.headers().get("Access-Control-Allow-Origin")).isEqualTo("https://tasks.example.org");
      Http.Response refused = server.http.request(HttpMethod.GET, "/health", null, Map.of("Origin", "https://evil.example"));
      assertThat(refused.status()).isEqualTo(403);
      assertThat(refused.headers().get("Access-Control-Allow-Origin")).isNull();

      WebSocketClient client = server.vertx.createWebSocketClient();
      assertThatThrownBy(() -> Await.result(client.connect(wsOptions(server, "https://evil.example"))))
          .hasMessageContaining("403");
      WebSocket good = Await.result(client.connect(wsOptions(server, "https://tasks.example.org")));
      WebSocket noOrigin = Await.result(client.connect(wsOptions(server, null))); // not a browser: nothing to check
      assertThat(good.isClosed()).isFalse();
      assertThat(noOrigin.isClosed()).isFalse();
      client.close();
    }
  }

  /** Upgrade options sending exactly the given Origin (none for null; not the client's own default). */
  private static WebSocketConnectOptions wsOptions(TestServer server, String origin) {
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(server.port).setURI("/ws");
    return origin == null ? options.setAllowOriginHeader(false) : options.putHeader("Origin", origin);
  }

  @Test
  void tlsServesHttpsAndWss(@TempDir Path dir) throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=localhost", "-keyout", key.toString(), "-out", cert.toString())
        .redirectErrorStream(true).start();
    assertThat(openssl.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(openssl.exitValue()).as("openssl made a self-signed certificate").isZero();

    try (TestServer server = TestServer.start(new JsonObject()
        .put(Settings.TLS_CERT_FILE, cert.toString()).put(Settings.TLS_KEY_FILE, key.toString()))) {
      HttpClient https = server.vertx.createHttpClient(new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false));
      JsonObject created = Await.result(https.request(HttpMethod.POST, server.port, "localhost", "/api/rooms")
          .compose(req -> req.send("{\"desired_room_code\":\"TLS001\"}").compose(resp -> resp.body()))).toJsonObject();
      assertThat(created.getString("websocket_url")).isEqualTo("wss://localhost:" + server.port + "/ws");

      WebSocketClient wss = server.vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false));
      WebSocket socket = Await.result(wss.connect(new WebSocketConnectOptions().setHost("localhost").setPort(server.port).setURI("/ws")));
      CompletableFuture<String> first = new CompletableFuture<>();
      socket.textMessageHandler(first::complete);
      Await.result(socket.writeTextMessage(Messages.join("TLS001", "secure", true).encode()));
      assertThat(new JsonObject(first.get(10, TimeUnit.SECONDS)).getString("type")).isEqualTo("room_info");
      assertThat(socket.isSsl()).isTrue();

      // plain HTTP on the TLS port is not served
      assertThatThrownBy(() -> server.http.get("/health")).isInstanceOf(io.vertx.core.http.HttpClosedException.class);
      wss.close();
      https.close();
    }
  }

  @Test
  void tlsNeedsBothFiles() {
    assertThatThrownBy(() -> Settings.from(new JsonObject().put(Settings.TLS_CERT_FILE, "/etc/cert.pem")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Invalid setting TLS_KEY_FILE: TLS needs both TLS_CERT_FILE and TLS_KEY_FILE (PEM files)");
    assertThatThrownBy(() -> Settings.from(new JsonObject().put(Settings.TLS_KEY_FILE, "/etc/key.pem")))
        .hasMessageStartingWith("Invalid setting TLS_CERT_FILE");
  }
}
