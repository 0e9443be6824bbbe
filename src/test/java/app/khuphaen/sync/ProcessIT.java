package app.khuphaen.sync;

import app.khuphaen.sync.config.Setting;
import app.khuphaen.sync.support.Await;
import app.khuphaen.sync.support.Http;
import app.khuphaen.sync.support.Messages;
import app.khuphaen.sync.support.ServerProcess;
import app.khuphaen.sync.support.TestServer;
import app.khuphaen.sync.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The packaged jar as its own process, started exactly as the container starts it. */
class ProcessIT {
  @TempDir
  Path workDir;
  private Vertx vertx;

  @BeforeEach
  void createVertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void closeVertx() {
    Await.result(vertx.close());
  }

  @Test
  void servesWithTheContainerFlagsAndStopsGracefullyOnSigterm() throws Exception {
    int port = TestServer.freePort();
    try (ServerProcess server = ServerProcess.start(workDir, Map.of("PORT", Integer.toString(port)))) {
      server.awaitLine("listening on 0.0.0.0:" + port, 30);
      JsonObject room = new JsonObject(httpPost(port, "/api/rooms", "{\"desired_room_code\":\"PROC01\"}"));
      assertThat(room.getString("room_code")).isEqualTo("PROC01");

      // a 4 MB document (UTF-8, just under MAX_MESSAGE_BYTES) fanned out to five receivers, inside the
      // container's memory flags
      String document = "{\"tasks\":\"" + "งาน✅ task ".repeat(230_000) + "\"}";
      List<WsClient> receivers = new ArrayList<>();
      try (WsClient host = WsClient.connect(vertx, port)) {
        host.join("PROC01", "host", true);
        for (int i = 0; i < 5; i++) {
          WsClient receiver = WsClient.connect(vertx, port);
          receiver.join("PROC01", "r" + i, false);
          receivers.add(receiver);
        }
        host.send(Messages.syncDocument(document));
        for (WsClient receiver : receivers) {
          JsonObject message;
          do {
            message = nextOrDump(receiver, server);
          } while (!"document_sync".equals(message.getString("type")));
          assertThat(message.getString("document")).as("server output:%n%s", server.output()).isEqualTo(document);
        }

        long started = System.nanoTime();
        server.terminate();
        assertThat(host.awaitClose()).isEqualTo((short) 1001);
        for (WsClient receiver : receivers) {
          assertThat(receiver.awaitClose()).isEqualTo((short) 1001);
        }
        assertThat(server.awaitExit(10)).isZero();
        assertThat((System.nanoTime() - started) / 1_000_000_000.0).isLessThan(5.0);
        assertThat(server.output()).contains("shutting down").contains("stopped");
      } finally {
        receivers.forEach(WsClient::close);
      }
    }
  }

  @Test
  void aStoredDocumentIsBackByteForByteAfterKillDashNine() throws Exception {
    int port = TestServer.freePort();
    Map<String, String> env = Map.of("PORT", Integer.toString(port), "DATA_DIR", workDir.resolve("data").toString());
    StringBuilder doc = new StringBuilder("{\"tasks\":[");
    for (int i = 0; doc.length() < 2 * 1024 * 1024; i++) {
      doc.append("{\"id\":").append(i).append(",\"title\":\"งาน ").append(i).append(" 🥬\"},");
    }
    String document = doc.append("{}]}").toString();
    try (ServerProcess server = ServerProcess.start(workDir, env)) {
      server.awaitLine("listening on", 30);
      new Http(vertx, port, "127.0.0.1").post("/api/rooms", "{\"desired_room_code\":\"CRASH1\"}"); // keeps its host key
      try (WsClient host = WsClient.connect(vertx, port); WsClient guest = WsClient.connect(vertx, port)) {
        host.join("CRASH1", "host", true);
        guest.join("CRASH1", "guest", false);
        host.send(Messages.syncDocument(document));
        assertThat(guest.next("document_sync").getString("document")).isEqualTo(document);
        // stored (the contract: within a second of the sync); then the process dies at once
        new Http(vertx, port, "127.0.0.1").awaitStored("CRASH1", document);
        server.kill();
        assertThat(server.awaitExit(10)).isEqualTo(137);
      }
    }
    try (ServerProcess restarted = ServerProcess.start(workDir, env)) {
      restarted.awaitLine("listening on", 30);
      try (WsClient late = WsClient.connect(vertx, port)) {
        late.send(Messages.join("CRASH1", "late", false));
        late.next("room_info");
        late.next("connected");
        String back = late.next("document_sync").getString("document");
        assertThat(back.getBytes(StandardCharsets.UTF_8)).isEqualTo(document.getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  /**
   * With the container's small thread stacks (-Xss256k), a frame nested a few hundred levels deep
   * used to overflow the decoder's recursion on the event loop and drop the socket.
   */
  @Test
  void aFrameNested10000DeepIsRefusedAndTheSocketStays() throws Exception {
    int port = TestServer.freePort();
    try (ServerProcess server = ServerProcess.start(workDir, Map.of("PORT", Integer.toString(port)))) {
      server.awaitLine("listening on 0.0.0.0:" + port, 30);
      try (WsClient client = WsClient.connect(vertx, port)) {
        client.sendText("{\"action\":\"ping\",\"x\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}");
        client.expectError("Invalid message format: nested deeper than 64 levels");
        client.sendText("{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000));
        client.expectError("Invalid message format: nested deeper than 64 levels");
        client.expectNothingPending();
      }
    }
  }

  @Test
  void aBadSettingStopsStartUpWithOneClearLine() throws Exception {
    try (ServerProcess server = ServerProcess.start(workDir, Map.of("PORT", "eighty"))) {
      assertThat(server.awaitExit(30)).isEqualTo(1);
      assertThat(server.output())
          .contains("Invalid setting PORT=eighty: expected a whole number from 0 to 65535")
          .doesNotContain("Exception")
          .doesNotContain("\tat ");
    }
  }

  @Test
  void jsonLogsAreOneObjectPerLineWithTheRoomAndPeerAsFieldsAndNoContentsOrSecrets() throws Exception {
    int port = TestServer.freePort();
    String adminToken = "admin-token-never-logged-0123";
    try (ServerProcess server = ServerProcess.start(workDir,
        Map.of("PORT", Integer.toString(port), "LOG_FORMAT", "json", "ADMIN_TOKEN", adminToken))) {
      server.awaitLine("listening on 0.0.0.0:" + port, 30);
      JsonObject room = new JsonObject(httpPost(port, "/api/rooms", "{\"desired_room_code\":\"JLOG01\"}"));
      String hostKey = room.getString("host_key");
      try (WsClient host = WsClient.connect(vertx, port); WsClient guest = WsClient.connect(vertx, port)) {
        host.join("JLOG01", "host", true);
        guest.join("JLOG01", "guest", false);
        host.next("peer_joined");
        host.send(Messages.syncDocument("{\"secret\":\"TASK-CONTENTS-1\"}"));
        guest.next("document_sync");
        guest.send(Messages.broadcast("MESSAGE-CONTENTS-2"));
        host.next("data");
      }
      server.awaitLine("peer=guest left", 30);
      assertThat(httpGet(port, "/api/admin/rooms", adminToken)).contains("JLOG01");
      server.terminate();
      assertThat(server.awaitExit(10)).isZero();
      List<JsonObject> lines = new ArrayList<>();
      for (String line : server.output().split("\n")) {
        lines.add(new JsonObject(line)); // every line is one JSON object
      }
      assertThat(lines).allSatisfy(line -> assertThat(line.fieldNames()).contains("timestamp", "level", "logger", "message"));
      assertThat(lines).anySatisfy(line -> {
        assertThat(line.getString("message")).contains("joined");
        assertThat(line.getString("room")).isEqualTo("JLOG01");
        assertThat(line.getString("peer")).isEqualTo("guest");
      });
      assertThat(server.output()).doesNotContain("TASK-CONTENTS-1").doesNotContain("MESSAGE-CONTENTS-2")
          .doesNotContain(hostKey).doesNotContain(adminToken);
    }
  }

  @Test
  void helpListsEverySettingAndStartsNothing() throws Exception {
    try (ServerProcess help = ServerProcess.start(workDir, Map.of("PORT", "eighty"), "--help")) {
      assertThat(help.awaitExit(30)).isZero();
      assertThat(help.output()).contains("--config", "--check-config", "--version")
          .doesNotContain("listening on").doesNotContain("Invalid setting");
      for (Setting setting : Setting.values()) {
        assertThat(help.output()).contains(setting.name());
      }
      assertThat(help.output()).contains("MAX_MESSAGE_BYTES (default 4194304)");
    }
    try (ServerProcess version = ServerProcess.start(workDir, Map.of(), "--version")) {
      assertThat(version.awaitExit(30)).isZero();
      assertThat(version.output()).startsWith("Khu Phaen Sync Server ");
    }
    try (ServerProcess unknown = ServerProcess.start(workDir, Map.of(), "--frobnicate")) {
      assertThat(unknown.awaitExit(30)).isEqualTo(2);
      assertThat(unknown.output()).contains("--frobnicate").contains("--help");
    }
  }

  @Test
  void checkConfigPrintsTheEffectiveSettingsWithoutSecretsOrSaysWhatIsWrong() throws Exception {
    Map<String, String> env = Map.of("PORT", "4567", "DATABASE_URL", "postgres://kp:s3cret@db.example.org:5432/kp",
        "ADMIN_TOKEN", "admin-s3cret-0123456789", "METRICS_TOKEN", "metrics-s3cret-0123456789");
    try (ServerProcess check = ServerProcess.start(workDir, env, "--check-config")) {
      assertThat(check.awaitExit(30)).isZero();
      assertThat(check.output())
          .contains("PORT=4567", "MAX_MESSAGE_BYTES=4194304", "DATABASE_URL=postgresql://kp@db.example.org:5432/kp",
              "ADMIN_TOKEN=(set, redacted)", "METRICS_TOKEN=(set, redacted)")
          .doesNotContain("s3cret").doesNotContain("listening on");
    }
    try (ServerProcess bad = ServerProcess.start(workDir, Map.of("PORT", "eighty"), "--check-config")) {
      assertThat(bad.awaitExit(30)).isEqualTo(1);
      assertThat(bad.output()).contains("Invalid setting PORT=eighty: expected a whole number from 0 to 65535")
          .doesNotContain("\tat ");
    }
  }

  @Test
  void theLauncherSizesTheJvmFromTheMemoryLimitAndCheckConfigShowsThePlan() throws Exception {
    try (ServerProcess small = ServerProcess.start(workDir, Map.of("MEMORY_LIMIT_BYTES", "100m", "KP_PRINT_COMMAND", "1"));
         ServerProcess large = ServerProcess.start(workDir, Map.of("MEMORY_LIMIT_BYTES", "512m", "KP_PRINT_COMMAND", "1",
             "JAVA_OPTS", "-Dsome.option=1"))) {
      assertThat(small.awaitExit(30)).isZero();
      assertThat(small.output()).contains("-XX:TieredStopAtLevel=1", "-Xmx28m ", "-XX:MaxDirectMemorySize=20m ");
      assertThat(large.awaitExit(30)).isZero();
      assertThat(large.output()).doesNotContain("TieredStopAtLevel").contains("-Xmx236m ")
          .containsPattern("-XX:MaxDirectMemorySize=\\d+m .*-Dsome.option=1 -jar ");
    }
    try (ServerProcess check = ServerProcess.start(workDir, Map.of("MEMORY_LIMIT_BYTES", "256m"), "--check-config")) {
      assertThat(check.awaitExit(30)).isZero();
      assertThat(check.output()).contains("MEMORY_LIMIT_BYTES=256m", "# memory limit: 256 MiB (MEMORY_LIMIT_BYTES)",
          "# JVM outside heap and direct: 56 MiB (full JIT, SQLite's copies of a document being written)");
    }
  }

  @Test
  void configFileFromFlagOrEnvironmentAndEnvironmentWins() throws Exception {
    int filePort = TestServer.freePort();
    Path config = workDir.resolve("custom.json");
    Files.writeString(config, "{\"PORT\": " + filePort + ", \"ROOM_IDLE_TIMEOUT_SECONDS\": 5}");
    try (ServerProcess server = ServerProcess.start(workDir, Map.of(), "--config", config.toString())) {
      server.awaitLine("listening on 0.0.0.0:" + filePort + " ", 30);
      assertThat(server.output()).contains("room idle timeout 5 s");
    }
    int envPort = TestServer.freePort();
    try (ServerProcess server = ServerProcess.start(workDir,
        Map.of("CONFIG_FILE", config.toString(), "PORT", Integer.toString(envPort)))) {
      server.awaitLine("listening on 0.0.0.0:" + envPort + " ", 30);
    }
    try (ServerProcess server = ServerProcess.start(workDir, Map.of(), "--config", "/no/such/file.json")) {
      assertThat(server.awaitExit(30)).isEqualTo(1);
      assertThat(server.output()).contains("Config file not found or not readable: /no/such/file.json");
    }
  }

  @Test
  void theOperationsGuideShowsTheContainerCommandLine() throws Exception {
    String guide = Files.readString(ServerProcess.projectDir().resolve("docs/operations.md"));
    String command = String.join(" ", ServerProcess.dockerfileCommand());
    assertThat(guide).contains(command);
  }

  private static JsonObject nextOrDump(WsClient client, ServerProcess server) {
    try {
      return client.next();
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; server output:\n" + server.output(), e);
    }
  }

  private String httpPost(int port, String path, String body) {
    io.vertx.core.http.HttpClient client = vertx.createHttpClient(); // held: an unreachable client gets closed
    return Await.result(client
        .request(io.vertx.core.http.HttpMethod.POST, port, "127.0.0.1", path)
        .compose(req -> req.send(body).compose(resp -> resp.body()))).toString();
  }

  private String httpGet(int port, String path, String bearer) {
    io.vertx.core.http.HttpClient client = vertx.createHttpClient(); // held: an unreachable client gets closed
    return Await.result(client
        .request(io.vertx.core.http.HttpMethod.GET, port, "127.0.0.1", path)
        .compose(req -> req.putHeader("Authorization", "Bearer " + bearer).send().compose(resp -> resp.body()))).toString();
  }
}
