package app.khuphaen.sync.store;

import app.khuphaen.sync.model.JsonString;
import app.khuphaen.sync.config.ConfigException;
import app.khuphaen.sync.config.DatabaseUrl;
import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.model.RoomRecord;
import app.khuphaen.sync.support.Await;
import app.khuphaen.sync.support.TestServer;
import app.khuphaen.sync.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StoreTest {
  private Path dir;
  private Vertx vertx;

  @BeforeEach
  void setUp() {
    dir = TestServer.tempDir();
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    Await.result(vertx.close());
    TestServer.deleteRecursively(dir);
  }

  @Test
  void sqliteRunsInWalMode() throws Exception {
    RoomStore store = Await.result(JdbcRoomStore.sqlite(vertx, dir, 10));
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(JdbcRoomStore.SQLITE_FILE));
         Statement st = c.createStatement()) {
      var rs = st.executeQuery("PRAGMA journal_mode");
      rs.next();
      assertThat(rs.getString(1)).isEqualToIgnoringCase("wal");
    } finally {
      Await.result(store.close());
    }
    assertThat(store.describe()).contains("sqlite at " + dir.resolve(JdbcRoomStore.SQLITE_FILE));
  }

  @Test
  void aSchemaNewerThanTheCodeStopsStartUp() throws Exception {
    Files.createDirectories(dir);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(JdbcRoomStore.SQLITE_FILE));
         Statement st = c.createStatement()) {
      st.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)");
      st.execute("INSERT INTO schema_version VALUES (99)");
    }
    assertThatThrownBy(() -> Await.result(JdbcRoomStore.sqlite(vertx, dir, 10)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("schema is version 99")
        .hasMessageContaining("newer");
  }

  @Test
  void anUnusableDataDirStopsStartUpWithTheReason() throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
    assertThatThrownBy(() -> Await.result(JdbcRoomStore.sqlite(vertx, file.resolve("data"), 10)))
        .isInstanceOf(StoreException.class)
        .hasMessageStartingWith("Cannot open the store (sqlite at " + file.resolve("data"));
  }

  @Test
  void databaseUrlsAsCloudHostsHandThemOut() {
    DatabaseUrl url = DatabaseUrl.parse("postgres://kp:s3cr%40t@db.example.org:6543/khu_phaen?sslmode=require");
    assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example.org:6543/khu_phaen?sslmode=require");
    assertThat(url.user()).isEqualTo("kp");
    assertThat(url.password()).isEqualTo("s3cr@t");
    assertThat(url.toString()).doesNotContain("s3cr").isEqualTo("postgresql://kp@db.example.org:6543/khu_phaen");
    assertThat(DatabaseUrl.parse("postgresql://localhost/app").jdbcUrl()).isEqualTo("jdbc:postgresql://localhost:5432/app");
    assertThatThrownBy(() -> DatabaseUrl.parse("mysql://localhost/app")).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("Invalid setting DATABASE_URL");
    assertThatThrownBy(() -> DatabaseUrl.parse("postgres://localhost")).isInstanceOf(ConfigException.class);
  }

  @Test
  void storeChoice() {
    assertThat(Settings.defaults().store()).isEqualTo(Settings.StoreKind.SQLITE);
    assertThat(Settings.defaults().dataDir()).isEqualTo("data");
    assertThat(Settings.from(new JsonObject().put("DATABASE_URL", "postgres://u@h/db")).store()).isEqualTo(Settings.StoreKind.POSTGRES);
    assertThat(Settings.from(new JsonObject().put("STORE", "memory").put("DATABASE_URL", "postgres://u@h/db")).store())
        .isEqualTo(Settings.StoreKind.MEMORY);
    assertThatThrownBy(() -> Settings.from(new JsonObject().put("STORE", "postgres")))
        .hasMessageContaining("DATABASE_URL");
    assertThatThrownBy(() -> Settings.from(new JsonObject().put("STORE", "mongo")))
        .hasMessage("Invalid setting STORE=mongo: expected one of sqlite, postgres, memory");
  }

  @Test
  void theMemoryStoreNeedsNoDirectoryAndForgetsOnRestart() {
    JsonObject memory = new JsonObject().put(Settings.STORE, "memory").put(Settings.DATA_DIR, dir.resolve("unused").toString());
    try (TestServer server = TestServer.start(memory)) {
      server.createRoom("EPHEM1");
    }
    assertThat(Files.exists(dir.resolve("unused"))).isFalse();
    try (TestServer server = TestServer.start(memory)) {
      assertThat(server.http.get("/api/rooms/EPHEM1").status()).isEqualTo(404);
    }
  }

  /** Stored rooms' documents stay on disk until someone joins: start-up loads only room metadata. */
  @Test
  void manyStoredRoomsWithLargeDocumentsDoNotRaiseTheHeap() {
    Path data = dir.resolve("data");
    RoomStore seed = Await.result(JdbcRoomStore.sqlite(vertx, data, 10));
    String megabyte = "{\"tasks\":\"" + "x".repeat(1024 * 1024) + "\"}";
    List<String> codes = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      String code = "BIG" + String.format("%03d", i);
      codes.add(code);
      Instant now = Instant.now();
      Await.result(seed.saveRoom(new RoomRecord(code, UUID.randomUUID().toString(), "host", now, now, null, null, true)));
      Await.result(seed.saveDocument(code, JsonString.of(megabyte), "host", now, 1));
    }
    Await.result(seed.close());

    long before = usedHeapAfterGc();
    try (TestServer server = TestServer.start(new JsonObject().put(Settings.DATA_DIR, data.toString()))) {
      assertThat(server.http.get("/health").json().getInteger("rooms")).isEqualTo(100);
      long after = usedHeapAfterGc();
      assertThat(after - before).as("heap growth with 100 MB of stored documents").isLessThan(40L * 1024 * 1024);

      // a joiner reads its room's document from the store
      try (WsClient peer = server.connect()) {
        peer.send(new JsonObject().put("action", "join").put("room_code", codes.get(42)).put("peer_id", "p"));
        peer.next("room_info");
        peer.next("connected");
        assertThat(peer.next("document_sync").getString("document")).isEqualTo(megabyte);
      }
    }
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
