package app.khuphaen.sync.store;

import app.khuphaen.sync.model.JsonString;
import app.khuphaen.sync.model.Errors;
import app.khuphaen.sync.model.RoomRecord;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Rooms and documents in SQLite (embedded, a file in DATA_DIR) or PostgreSQL, through their JDBC
 * drivers and a HikariCP pool. Every call runs on this store's own worker threads, never on an
 * event loop. Closing lets the calls already running finish (HikariCP would abort them: a sweep's
 * delete cut off by a shutdown would bring the room back at the next start).
 */
public final class JdbcRoomStore implements RoomStore {
  public static final String SQLITE_FILE = "khu-phaen.db";
  /** How long {@link #close()} waits for calls already running before it closes the pool anyway. */
  private static final long CLOSE_GRACE_MS = 2_000;

  private final HikariDataSource dataSource;
  private final WorkerExecutor workers;
  private final SqlDialect dialect;
  private final int keep;
  private final String description;
  private final Vertx vertx;
  private final RunningCalls running = new RunningCalls();

  private JdbcRoomStore(Vertx vertx, HikariDataSource dataSource, WorkerExecutor workers, SqlDialect dialect, int keep,
                        String description) {
    this.vertx = vertx;
    this.dataSource = dataSource;
    this.workers = workers;
    this.dialect = dialect;
    this.keep = keep;
    this.description = description;
  }

  /**
   * SQLite in WAL mode with {@code synchronous=FULL}: a committed document survives a crash of the
   * process (and of the machine). One connection, one worker: SQLite has a single writer anyway.
   */
  public static Future<RoomStore> sqlite(Vertx vertx, Path dataDir, int keepRevisions) {
    Path file = dataDir.resolve(SQLITE_FILE);
    HikariConfig config = baseConfig("kp-sqlite", 1);
    config.setJdbcUrl("jdbc:sqlite:" + file);
    config.addDataSourceProperty("journal_mode", "WAL");
    config.addDataSourceProperty("synchronous", "FULL");
    config.addDataSourceProperty("busy_timeout", "2000");
    config.addDataSourceProperty("foreign_keys", "true");
    config.addDataSourceProperty("transaction_mode", "IMMEDIATE");
    return open(vertx, config, SqlDialect.SQLITE, keepRevisions, "sqlite at " + file, 1,
        () -> Files.createDirectories(dataDir));
  }

  /** PostgreSQL: a small pool, one worker per connection. */
  public static Future<RoomStore> postgres(Vertx vertx, JdbcTarget url, int keepRevisions) {
    HikariConfig config = baseConfig("kp-postgres", 4);
    config.setJdbcUrl(url.jdbcUrl());
    config.setUsername(url.user());
    config.setPassword(url.password());
    return open(vertx, config, SqlDialect.POSTGRES, keepRevisions, "postgresql at " + url, 4, () -> null);
  }

  private static HikariConfig baseConfig(String name, int size) {
    HikariConfig config = new HikariConfig();
    config.setPoolName(name);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(1);
    config.setConnectionTimeout(3_000);
    config.setValidationTimeout(2_000);
    config.setInitializationFailTimeout(1);
    return config;
  }

  private static Future<RoomStore> open(Vertx vertx, HikariConfig config, SqlDialect dialect, int keep,
                                        String description, int workers, Callable<?> prepare) {
    WorkerExecutor executor = vertx.createSharedWorkerExecutor(config.getPoolName() + "-" + System.identityHashCode(config), workers);
    return executor.<RoomStore>executeBlocking(() -> {
      prepare.call();
      HikariDataSource dataSource = new HikariDataSource(config);
      try (Connection connection = dataSource.getConnection()) {
        Migrations.migrate(connection, dialect);
      } catch (SQLException | RuntimeException e) {
        dataSource.close();
        throw e;
      }
      return new JdbcRoomStore(vertx, dataSource, executor, dialect, keep, description);
    }, false).recover(err -> {
      executor.close();
      return Future.failedFuture(new StoreException("Cannot open the store (" + description + "): " + Errors.rootMessage(err), err));
    });
  }

  @Override
  public String describe() {
    return description + ", keeping " + keep + " revisions per room";
  }

  @Override
  public Future<List<RoomRecord>> loadRooms() {
    return run(c -> {
      List<RoomRecord> rooms = new ArrayList<>();
      try (PreparedStatement st = c.prepareStatement("SELECT code, room_id, host_id, created_at, empty_since, host_key_hash FROM rooms");
           ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          long empty = rs.getLong(5);
          Instant emptySince = rs.wasNull() ? null : Instant.ofEpochMilli(empty);
          rooms.add(new RoomRecord(rs.getString(1), rs.getString(2), rs.getString(3),
              Instant.ofEpochMilli(rs.getLong(4)), emptySince, rs.getString(6)));
        }
      }
      return rooms;
    });
  }

  @Override
  public Future<Void> saveRoom(RoomRecord room) {
    return run(c -> {
      try (PreparedStatement st = c.prepareStatement(
          "INSERT INTO rooms (code, room_id, host_id, created_at, empty_since, host_key_hash) VALUES (?, ?, ?, ?, ?, ?)"
              + " ON CONFLICT (code) DO UPDATE SET empty_since = excluded.empty_since")) {
        st.setString(1, room.code());
        st.setString(2, room.roomId());
        st.setString(3, room.hostId());
        st.setLong(4, room.createdAt().toEpochMilli());
        if (room.emptySince() == null) {
          st.setNull(5, Types.BIGINT);
        } else {
          st.setLong(5, room.emptySince().toEpochMilli());
        }
        st.setString(6, room.hostKeyHash());
        st.executeUpdate();
      }
      return null;
    });
  }

  @Override
  public Future<Void> deleteRoom(String code) {
    return inTransaction(c -> {
      update(c, "DELETE FROM documents WHERE room_code = ?", code);
      update(c, "DELETE FROM rooms WHERE code = ?", code);
      return null;
    });
  }

  @Override
  public Future<SaveOutcome> saveDocument(String code, JsonString document, String writtenBy, Instant writtenAt, long stamp) {
    return inTransaction(c -> {
      // decoded here, on the store's thread: the relay never needs the plain text
      if (!roomExists(c, code)) {
        return SaveOutcome.ROOM_GONE; // removed meanwhile (idle sweep): nothing to keep
      }
      long revision = 1;
      try (PreparedStatement st = c.prepareStatement(
          "SELECT revision, stamp FROM documents WHERE room_code = ? ORDER BY revision DESC LIMIT 1")) {
        st.setString(1, code);
        try (ResultSet rs = st.executeQuery()) {
          if (rs.next()) {
            if (rs.getLong(2) > stamp) {
              return SaveOutcome.SUPERSEDED; // another node stored a newer sync
            }
            revision = rs.getLong(1) + 1;
          }
        }
      }
      try (PreparedStatement st = c.prepareStatement("INSERT INTO documents"
          + " (room_code, revision, body, size_bytes, written_by, written_at, stamp) VALUES (?, ?, "
          + dialect.documentParameter() + ", ?, ?, ?, ?)")) {
        st.setString(1, code);
        st.setLong(2, revision);
        dialect.bindDocument(st, 3, document);
        st.setLong(4, document.utf8Length());
        st.setString(5, writtenBy);
        st.setLong(6, writtenAt.toEpochMilli());
        st.setLong(7, stamp);
        st.executeUpdate();
      }
      try (PreparedStatement st = c.prepareStatement("DELETE FROM documents WHERE room_code = ? AND revision <= ?")) {
        st.setString(1, code);
        st.setLong(2, revision - keep);
        st.executeUpdate();
      }
      return (SaveOutcome) new SaveOutcome.Stored(revision);
    });
  }

  @Override
  public Future<StoredDocument> loadDocument(String code) {
    return run(c -> queryDocument(c, "SELECT revision, body, written_by, written_at, stamp FROM documents"
        + " WHERE room_code = ? ORDER BY revision DESC LIMIT 1", code, null));
  }

  @Override
  public Future<StoredDocument> revision(String code, long revision) {
    return run(c -> queryDocument(c, "SELECT revision, body, written_by, written_at, stamp FROM documents"
        + " WHERE room_code = ? AND revision = ?", code, revision));
  }

  @Override
  public Future<List<RevisionInfo>> revisions(String code) {
    return run(c -> {
      List<RevisionInfo> list = new ArrayList<>();
      try (PreparedStatement st = c.prepareStatement("SELECT revision, size_bytes, written_by, written_at"
          + " FROM documents WHERE room_code = ? ORDER BY revision DESC")) {
        st.setString(1, code);
        try (ResultSet rs = st.executeQuery()) {
          while (rs.next()) {
            list.add(new RevisionInfo(rs.getLong(1), rs.getLong(2), rs.getString(3), Instant.ofEpochMilli(rs.getLong(4))));
          }
        }
      }
      return list;
    });
  }

  @Override
  public Future<Map<String, RevisionInfo>> latestRevisions() {
    return run(c -> {
      Map<String, RevisionInfo> latest = new HashMap<>();
      try (PreparedStatement st = c.prepareStatement("SELECT d.room_code, d.revision, d.size_bytes, d.written_by,"
          + " d.written_at FROM documents d JOIN (SELECT room_code, MAX(revision) AS newest FROM documents"
          + " GROUP BY room_code) n ON d.room_code = n.room_code AND d.revision = n.newest");
           ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          latest.put(rs.getString(1),
              new RevisionInfo(rs.getLong(2), rs.getLong(3), rs.getString(4), Instant.ofEpochMilli(rs.getLong(5))));
        }
      }
      return latest;
    });
  }

  @Override
  public Future<Void> ping() {
    return run(c -> {
      try (PreparedStatement st = c.prepareStatement("SELECT 1"); ResultSet rs = st.executeQuery()) {
        rs.next();
      }
      return null;
    });
  }

  @Override
  public Future<Void> close() {
    return closeWithin(CLOSE_GRACE_MS);
  }

  /** Refuses new calls, waits up to {@code graceMs} for those running, then closes the pool. */
  Future<Void> closeWithin(long graceMs) {
    Future<Void> finished = running.close();
    Promise<Void> graceOver = Promise.promise();
    long timer = vertx.setTimer(graceMs, id -> graceOver.tryComplete());
    return Future.any(finished, graceOver.future())
        .eventually(() -> {
          vertx.cancelTimer(timer);
          return workers.<Void>executeBlocking(() -> {
            dataSource.close();
            return null;
          }, false);
        })
        .eventually(workers::close)
        .mapEmpty();
  }

  private interface Work<T> {
    T apply(Connection connection) throws SQLException;
  }

  private <T> Future<T> run(Work<T> work) {
    if (!running.start()) {
      return Future.failedFuture(new StoreException("The store is closed (" + description + ")", null));
    }
    return workers.<T>executeBlocking(() -> {
      try (Connection c = dataSource.getConnection()) {
        return work.apply(c);
      }
    }, false).andThen(ar -> running.end());
  }

  private <T> Future<T> inTransaction(Work<T> work) {
    return run(c -> {
      c.setAutoCommit(false);
      try {
        T result = work.apply(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    });
  }

  private boolean roomExists(Connection c, String code) throws SQLException {
    String sql = dialect.lockRoom != null ? dialect.lockRoom : "SELECT code FROM rooms WHERE code = ?";
    try (PreparedStatement st = c.prepareStatement(sql)) {
      st.setString(1, code);
      try (ResultSet rs = st.executeQuery()) {
        return rs.next();
      }
    }
  }

  private static void update(Connection c, String sql, String code) throws SQLException {
    try (PreparedStatement st = c.prepareStatement(sql)) {
      st.setString(1, code);
      st.executeUpdate();
    }
  }

  private static StoredDocument queryDocument(Connection c, String sql, String code, Long revision) throws SQLException {
    try (PreparedStatement st = c.prepareStatement(sql)) {
      st.setString(1, code);
      if (revision != null) {
        st.setLong(2, revision);
      }
      try (ResultSet rs = st.executeQuery()) {
        return rs.next()
            ? new StoredDocument(rs.getLong(1), rs.getString(2), rs.getString(3), Instant.ofEpochMilli(rs.getLong(4)), rs.getLong(5))
            : null;
      }
    }
  }

}
