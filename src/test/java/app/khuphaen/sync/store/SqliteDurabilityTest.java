package app.khuphaen.sync.store;

import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.support.Messages;
import app.khuphaen.sync.support.TestServer;
import app.khuphaen.sync.support.WsClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/** The durability contract on the embedded default: SQLite in DATA_DIR. */
class SqliteDurabilityTest extends DurabilityContract {
  private Path dataDir;
  private Connection locker;

  @BeforeEach
  void createDataDir() {
    dataDir = TestServer.tempDir().resolve("nested/data"); // created by the server if missing
  }

  @AfterEach
  void deleteDataDir() {
    TestServer.deleteRecursively(dataDir.getParent().getParent());
  }

  @Override
  protected JsonObject storeConfig() {
    return new JsonObject().put(Settings.STORE, "sqlite").put(Settings.DATA_DIR, dataDir.toString());
  }

  /** The document's UTF-8 is bound as a blob cast to TEXT: stored as text, exactly. */
  @Test
  void documentsAreStoredAsTextExactly() throws Exception {
    String document = "{\"t\":\"ไทย ✅ 😀\"}\n\"q\" \\ \u0000 end";
    try (TestServer server = start(new JsonObject())) {
      server.createRoom("TEXT01");
      try (WsClient host = server.connect()) {
        host.join("TEXT01", "host", true);
        host.send(Messages.syncDocument(document));
        awaitStored(server, "TEXT01", document);
      }
    }
    try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve(JdbcRoomStore.SQLITE_FILE));
         Statement st = db.createStatement();
         ResultSet rows = st.executeQuery("SELECT typeof(body), body, length(CAST(body AS BLOB)) FROM documents")) {
      assertThat(rows.next()).isTrue();
      assertThat(rows.getString(1)).isEqualTo("text");
      assertThat(rows.getString(2)).isEqualTo(document);
      assertThat(rows.getInt(3)).isEqualTo(document.getBytes(StandardCharsets.UTF_8).length);
    }
  }

  /** A locked database file: another process holds SQLite's write lock. */
  @Override
  protected void breakStore() throws Exception {
    locker = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve(JdbcRoomStore.SQLITE_FILE));
    try (Statement st = locker.createStatement()) {
      st.execute("PRAGMA busy_timeout = 5000");
      st.execute("BEGIN EXCLUSIVE");
    }
  }

  @Override
  protected void restoreStore() throws Exception {
    try (Statement st = locker.createStatement()) {
      st.execute("ROLLBACK");
    }
    locker.close();
  }

  @Override
  protected boolean readsFailDuringOutage() {
    return false;
  }
}
