package app.khuphaen.sync.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The machine's PostgreSQL (127.0.0.1:5432, user postgres, trust auth) for tests. Each test gets a
 * database of its own, dropped afterwards; where no server answers, the test is skipped with a
 * clear message (CI always has one).
 */
public final class Postgres implements AutoCloseable {
  public static final String HOST = "127.0.0.1";
  public static final int PORT = 5432;
  private static final String ADMIN_URL = "jdbc:postgresql://" + HOST + ":" + PORT + "/test";

  public final String database;

  private Postgres(String database) {
    this.database = database;
  }

  /** Creates a fresh database, or skips the test when PostgreSQL is not reachable. */
  public static Postgres createDatabase() {
    String name = "kp_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = DriverManager.getConnection(ADMIN_URL, "postgres", null); Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      assumeTrue(false, "PostgreSQL not reachable at " + HOST + ":" + PORT + " (user postgres, database test): "
          + e.getMessage() + " -- skipping the PostgreSQL tests");
    }
    return new Postgres(name);
  }

  /** The DATABASE_URL for this database, through {@code port} (the server's own, or a proxy's). */
  public String url(int port) {
    return "postgres://postgres@" + HOST + ":" + port + "/" + database;
  }

  @Override
  public void close() {
    try (Connection c = DriverManager.getConnection(ADMIN_URL, "postgres", null); Statement st = c.createStatement()) {
      st.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    } catch (SQLException e) {
      throw new IllegalStateException("could not drop " + database, e);
    }
  }
}
