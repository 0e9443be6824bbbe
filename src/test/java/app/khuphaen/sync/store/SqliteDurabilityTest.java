package app.khuphaen.sync.store;

import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.support.TestServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

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
