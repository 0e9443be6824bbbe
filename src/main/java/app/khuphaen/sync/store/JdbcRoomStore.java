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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

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
  /**
   * How often the documents' total is counted again from the database: it is kept as a running sum
   * of this node's writes, which misses what other nodes sharing a PostgreSQL store write.
   */
  private static final long RECOUNT_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final HikariDataSource dataSource;
  private final WorkerExecutor workers;
  private final SqlDialect dialect;
  private final StoreLimits limits;
  private final String description;
  private final Vertx vertx;
  private final RunningCalls running = new RunningCalls();
  /** The documents' bytes in the store, as of the last count plus what this node wrote and deleted since. */
  private final AtomicLong storedBytes;
  private final AtomicLong countedAtNanos = new AtomicLong(System.nanoTime());
  private volatile boolean full;

  private JdbcRoomStore(Vertx vertx, HikariDataSource dataSource, WorkerExecutor workers, SqlDialect dialect,
                        StoreLimits limits, String description, long storedBytes) {
    this.vertx = vertx;
    this.dataSource = dataSource;
    this.workers = workers;
    this.dialect = dialect;
    this.limits = limits;
    this.description = description;
    this.storedBytes = new AtomicLong(storedBytes);
  }

  /**
   * SQLite in WAL mode with {@code synchronous=FULL}: a committed document survives a crash of the
   * process (and of the machine). One connection, one worker: SQLite has a single writer anyway.
   */
  public static Future<RoomStore> sqlite(Vertx vertx, Path dataDir, int keepRevisions) {
    return sqlite(vertx, dataDir, StoreLimits.keeping(keepRevisions));
  }

  public static Future<RoomStore> sqlite(Vertx vertx, Path dataDir, StoreLimits limits) {
    Path file = dataDir.resolve(SQLITE_FILE);
    HikariConfig config = baseConfig("kp-sqlite", 1);
    config.setJdbcUrl("jdbc:sqlite:" + file);
    config.addDataSourceProperty("journal_mode", "WAL");
    config.addDataSourceProperty("synchronous", "FULL");
    config.addDataSourceProperty("busy_timeout", "2000");
    config.addDataSourceProperty("foreign_keys", "true");
    config.addDataSourceProperty("transaction_mode", "IMMEDIATE");
    return open(vertx, config, SqlDialect.SQLITE, limits, "sqlite at " + file, 1,
        () -> Files.createDirectories(dataDir));
  }

  /** PostgreSQL: a small pool, one worker per connection. */
  public static Future<RoomStore> postgres(Vertx vertx, JdbcTarget url, int keepRevisions) {
    return postgres(vertx, url, StoreLimits.keeping(keepRevisions));
  }

  public static Future<RoomStore> postgres(Vertx vertx, JdbcTarget url, StoreLimits limits) {
    HikariConfig config = baseConfig("kp-postgres", 4);
    config.setJdbcUrl(url.jdbcUrl());
    config.setUsername(url.user());
    config.setPassword(url.password());
    return open(vertx, config, SqlDialect.POSTGRES, limits, "postgresql at " + url, 4, () -> null);
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

  private static Future<RoomStore> open(Vertx vertx, HikariConfig config, SqlDialect dialect, StoreLimits limits,
                                        String description, int workers, Callable<?> prepare) {
    WorkerExecutor executor = vertx.createSharedWorkerExecutor(config.getPoolName() + "-" + System.identityHashCode(config), workers);
    return executor.<RoomStore>executeBlocking(() -> {
      prepare.call();
      HikariDataSource dataSource = new HikariDataSource(config);
      long stored;
      try (Connection connection = dataSource.getConnection()) {
        Migrations.migrate(connection, dialect);
        stored = countStoredBytes(connection);
      } catch (SQLException | RuntimeException e) {
        dataSource.close();
        throw e;
      }
      return new JdbcRoomStore(vertx, dataSource, executor, dialect, limits, description, stored);
    }, false).recover(err -> {
      executor.close();
      return Future.failedFuture(new StoreException("Cannot open the store (" + description + "): " + Errors.rootMessage(err), err));
    });
  }

  @Override
  public String describe() {
    String bound = limits.maxBytes() == Long.MAX_VALUE ? "" : ", at most " + limits.maxBytes() + " bytes of documents ("
        + storedBytes.get() + " stored)";
    return description + ", keeping " + limits.keepRevisions() + " revisions per room" + bound;
  }

  @Override
  public Future<List<RoomRecord>> loadRooms() {
    return run(c -> {
      List<RoomRecord> rooms = new ArrayList<>();
      try (PreparedStatement st = c.prepareStatement(
          "SELECT code, room_id, host_id, created_at, empty_since, host_key_hash, created_by, used FROM rooms");
           ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          long empty = rs.getLong(5);
          Instant emptySince = rs.wasNull() ? null : Instant.ofEpochMilli(empty);
          rooms.add(new RoomRecord(rs.getString(1), rs.getString(2), rs.getString(3),
              Instant.ofEpochMilli(rs.getLong(4)), emptySince, rs.getString(6), rs.getString(7), rs.getInt(8) != 0));
        }
      }
      return rooms;
    });
  }

  @Override
  public Future<Void> saveRoom(RoomRecord room) {
    return run(c -> {
      try (PreparedStatement st = c.prepareStatement(
          "INSERT INTO rooms (code, room_id, host_id, created_at, empty_since, host_key_hash, created_by, used)"
              + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
              + " ON CONFLICT (code) DO UPDATE SET empty_since = excluded.empty_since, used = excluded.used")) {
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
        st.setString(7, room.createdBy());
        st.setInt(8, room.used() ? 1 : 0);
        st.executeUpdate();
      }
      return null;
    });
  }

  @Override
  public Future<Integer> roomsCreatedBy(String creator) {
    return run(c -> {
      try (PreparedStatement st = c.prepareStatement("SELECT COUNT(*) FROM rooms WHERE created_by = ?")) {
        st.setString(1, creator);
        try (ResultSet rs = st.executeQuery()) {
          return rs.next() ? rs.getInt(1) : 0;
        }
      }
    });
  }

  @Override
  public boolean full() {
    return full;
  }

  @Override
  public Future<Void> deleteRoom(String code) {
    return inTransaction(c -> {
      long freed;
      try (PreparedStatement st = c.prepareStatement("SELECT COALESCE(SUM(size_bytes), 0) FROM documents WHERE room_code = ?")) {
        st.setString(1, code);
        try (ResultSet rs = st.executeQuery()) {
          freed = rs.next() ? rs.getLong(1) : 0;
        }
      }
      update(c, "DELETE FROM documents WHERE room_code = ?", code);
      update(c, "DELETE FROM rooms WHERE code = ?", code);
      return freed;
    }).map(freed -> {
      storedBytes.addAndGet(-freed);
      full = false;
      return null;
    });
  }

  /** A save's outcome and how many bytes it added to the store (negative: freed), applied once committed. */
  private record Saved(SaveOutcome outcome, long addedBytes) {}

  /** Thrown inside a document write that finds no room: the transaction rolls back. */
  private static final class NoRoom extends SQLException {
    NoRoom() {
      super("the store holds STORE_MAX_BYTES of documents", null, 0, null);
    }
  }

  @Override
  public Future<SaveOutcome> saveDocument(String code, JsonString document, String writtenBy, Instant writtenAt, long stamp) {
    return inTransaction(c -> {
      // decoded here, on the store's thread: the relay never needs the plain text
      if (!roomExists(c, code)) {
        return new Saved(SaveOutcome.ROOM_GONE, 0); // removed meanwhile (idle sweep): nothing to keep
      }
      long revision = 1;
      try (PreparedStatement st = c.prepareStatement(
          "SELECT revision, stamp FROM documents WHERE room_code = ? ORDER BY revision DESC LIMIT 1")) {
        st.setString(1, code);
        try (ResultSet rs = st.executeQuery()) {
          if (rs.next()) {
            if (rs.getLong(2) > stamp) {
              return new Saved(SaveOutcome.SUPERSEDED, 0); // another node stored a newer sync
            }
            revision = rs.getLong(1) + 1;
          }
        }
      }
      long size = document.utf8Length();
      try (PreparedStatement st = c.prepareStatement("INSERT INTO documents"
          + " (room_code, revision, body, size_bytes, written_by, written_at, stamp) VALUES (?, ?, "
          + dialect.documentParameter() + ", ?, ?, ?, ?)")) {
        st.setString(1, code);
        st.setLong(2, revision);
        dialect.bindDocument(st, 3, document);
        st.setLong(4, size);
        st.setString(5, writtenBy);
        st.setLong(6, writtenAt.toEpochMilli());
        st.setLong(7, stamp);
        st.executeUpdate();
      }
      long added = size - thin(c, code);
      added -= makeRoom(c, storedBytes.get() + added);
      return new Saved(new SaveOutcome.Stored(revision), added);
    }).map(saved -> {
      storedBytes.addAndGet(saved.addedBytes());
      if (saved.outcome() instanceof SaveOutcome.Stored) {
        full = false;
      }
      return saved.outcome();
    }).recover(err -> {
      if (err instanceof NoRoom) {
        full = true;
        return Future.succeededFuture(SaveOutcome.STORE_FULL);
      }
      return Future.failedFuture(err);
    });
  }

  /** Deletes the room's revisions that {@link StoreLimits#kept} does not keep; answers the bytes freed. */
  private long thin(Connection c, String code) throws SQLException {
    List<RevisionInfo> newestFirst = revisions(c, code);
    List<RevisionInfo> kept = limits.kept(newestFirst);
    return delete(c, newestFirst.stream().filter(r -> !kept.contains(r))
        .map(r -> new StoreLimits.Removal(code, r.revision(), r.size())).toList());
  }

  /** Deletes these revisions in one batch; answers the bytes freed. */
  private static long delete(Connection c, List<StoreLimits.Removal> removals) throws SQLException {
    if (removals.isEmpty()) {
      return 0;
    }
    long freed = 0;
    try (PreparedStatement st = c.prepareStatement("DELETE FROM documents WHERE room_code = ? AND revision = ?")) {
      for (StoreLimits.Removal removal : removals) {
        st.setString(1, removal.room());
        st.setLong(2, removal.revision());
        st.addBatch();
        freed += removal.bytes();
      }
      st.executeBatch();
    }
    return freed;
  }

  /**
   * When the store would hold more than its bound (counted afresh from the database when the running
   * sum says so, and at least once a minute), deletes old revisions as {@link StoreLimits#trim} says;
   * answers the bytes freed, or throws {@link NoRoom} when deleting every old revision is not enough.
   */
  private long makeRoom(Connection c, long estimated) throws SQLException {
    long now = System.nanoTime();
    long stored = estimated;
    if (stored > limits.maxBytes() || now - countedAtNanos.get() > RECOUNT_EVERY_NANOS) {
      long counted = countStoredBytes(c); // what this transaction sees, its own write included
      storedBytes.addAndGet(counted - stored); // the sum is corrected: what others wrote meanwhile
      countedAtNanos.set(now);
      stored = counted;
    }
    if (stored <= limits.maxBytes()) {
      return 0;
    }
    Map<String, List<RevisionInfo>> old = new HashMap<>();
    Map<String, Long> held = new HashMap<>();
    try (PreparedStatement st = c.prepareStatement("SELECT d.room_code, d.revision, d.size_bytes, d.written_by, d.written_at,"
        + " n.newest FROM documents d JOIN (SELECT room_code, MAX(revision) AS newest FROM documents GROUP BY room_code) n"
        + " ON d.room_code = n.room_code ORDER BY d.room_code, d.revision");
         ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        String room = rs.getString(1);
        RevisionInfo revision = new RevisionInfo(rs.getLong(2), rs.getLong(3), rs.getString(4), Instant.ofEpochMilli(rs.getLong(5)));
        held.merge(room, revision.size(), Long::sum);
        if (revision.revision() != rs.getLong(6)) {
          old.computeIfAbsent(room, k -> new ArrayList<>()).add(revision);
        }
      }
    }
    List<StoreLimits.Removal> removals = StoreLimits.trim(old, held, stored - limits.maxBytes());
    if (removals == null) {
      throw new NoRoom();
    }
    return delete(c, removals);
  }

  private static long countStoredBytes(Connection c) throws SQLException {
    try (PreparedStatement st = c.prepareStatement("SELECT COALESCE(SUM(size_bytes), 0) FROM documents");
         ResultSet rs = st.executeQuery()) {
      return rs.next() ? rs.getLong(1) : 0;
    }
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
    return run(c -> revisions(c, code));
  }

  private static List<RevisionInfo> revisions(Connection c, String code) throws SQLException {
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

  private StoredDocument queryDocument(Connection c, String sql, String code, Long revision) throws SQLException {
    try (PreparedStatement st = c.prepareStatement(sql)) {
      st.setString(1, code);
      if (revision != null) {
        st.setLong(2, revision);
      }
      try (ResultSet rs = st.executeQuery()) {
        return rs.next()
            ? new StoredDocument(rs.getLong(1), dialect.readDocument(rs, 2), rs.getString(3), Instant.ofEpochMilli(rs.getLong(4)), rs.getLong(5))
            : null;
      }
    }
  }

}
