package app.khuphaen.sync.store;

import app.khuphaen.sync.config.DatabaseUrl;
import app.khuphaen.sync.model.RoomRecord;
import app.khuphaen.sync.support.Await;
import app.khuphaen.sync.support.Postgres;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Closing a store with a call under way (a shutdown during an idle sweep's delete), on PostgreSQL,
 * whose pool runs calls side by side: the test holds a lock on the rooms table so that the store's
 * delete is still waiting when the store is closed. Skipped where no PostgreSQL answers.
 */
class StoreClosingTest {
  private Postgres postgres;
  private Vertx vertx;
  private JdbcRoomStore store;

  @BeforeEach
  void openStoreWithOneRoom() {
    postgres = Postgres.createDatabase();
    vertx = Vertx.vertx();
    DatabaseUrl url = DatabaseUrl.parse(postgres.url(Postgres.PORT));
    store = (JdbcRoomStore) Await.result(JdbcRoomStore.postgres(vertx,
        new JdbcTarget(url.jdbcUrl(), url.user(), url.password(), url.display()), 10));
    Instant now = Instant.now();
    Await.result(store.saveRoom(new RoomRecord("GOING1", UUID.randomUUID().toString(), "host", now, now, null, null, true)));
  }

  @AfterEach
  void dropDatabase() {
    if (vertx != null) {
      Await.result(vertx.close());
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void closingLetsACallUnderWayFinishAndRefusesNewOnes() throws Exception {
    Future<Void> delete;
    Future<Void> closed;
    try (Connection lock = lockRooms()) {
      delete = store.deleteRoom("GOING1");
      awaitBlockedOnTheLock(lock);
      closed = store.closeWithin(60_000);
      assertThatThrownBy(() -> Await.result(store.ping())).hasMessageContaining("The store is closed");
      lock.commit();
    }
    Await.result(delete);
    Await.result(closed);
    assertThat(roomCodes()).isEmpty();
  }

  @Test
  void closingGivesUpOnACallThatOutlastsTheGrace() throws Exception {
    try (Connection lock = lockRooms()) {
      Future<Void> delete = store.deleteRoom("GOING1");
      awaitBlockedOnTheLock(lock);
      Await.result(store.closeWithin(200));
      assertThatThrownBy(() -> Await.result(delete)).isInstanceOf(SQLException.class).hasMessageContaining("closed");
      lock.rollback();
    }
    assertThat(roomCodes()).containsExactly("GOING1");
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection("jdbc:postgresql://" + Postgres.HOST + ":" + Postgres.PORT + "/" + postgres.database,
        "postgres", null);
  }

  /** A transaction of the test's own that holds the rooms table until it ends. */
  private Connection lockRooms() throws SQLException {
    Connection c = connect();
    c.setAutoCommit(false);
    try (Statement st = c.createStatement()) {
      st.execute("LOCK TABLE rooms IN ACCESS EXCLUSIVE MODE");
    }
    return c;
  }

  private static void awaitBlockedOnTheLock(Connection lock) {
    Await.until("the store's delete waiting for the test's lock", () -> {
      try (Statement st = lock.createStatement();
           ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_locks WHERE NOT granted AND database ="
               + " (SELECT oid FROM pg_database WHERE datname = current_database())")) {
        rs.next();
        return rs.getInt(1) > 0;
      }
    });
  }

  private List<String> roomCodes() throws SQLException {
    List<String> codes = new ArrayList<>();
    try (Connection c = connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT code FROM rooms")) {
      while (rs.next()) {
        codes.add(rs.getString(1));
      }
    }
    return codes;
  }
}
