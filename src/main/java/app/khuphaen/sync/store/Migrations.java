package app.khuphaen.sync.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Versioned schema: a one-row {@code schema_version} table and an ordered list of migrations; the
 * pending ones are applied in order in one transaction at start-up. A database written by a newer
 * server is refused.
 */
final class Migrations {
  private static final Logger log = LoggerFactory.getLogger(Migrations.class);

  private Migrations() {}

  /** Migration n (1-based) is {@code all(dialect).get(n - 1)}. */
  static List<List<String>> all(SqlDialect dialect) {
    return List.of(dialect.schemaV1, dialect.schemaV2, dialect.schemaV3, dialect.schemaV4);
  }

  static void migrate(Connection connection, SqlDialect dialect) throws SQLException {
    if (dialect.lockMigrations == null) {
      migrateLocked(connection, dialect);
      return;
    }
    try (Statement st = connection.createStatement()) {
      st.execute(dialect.lockMigrations);
      try {
        migrateLocked(connection, dialect);
      } finally {
        st.execute(dialect.unlockMigrations);
      }
    }
  }

  private static void migrateLocked(Connection connection, SqlDialect dialect) throws SQLException {
    List<List<String>> migrations = all(dialect);
    connection.setAutoCommit(false);
    try (Statement st = connection.createStatement()) {
      st.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
      int current = currentVersion(st);
      if (current > migrations.size()) {
        throw new SQLException("the database schema is version " + current + " but this server knows only up to "
            + migrations.size() + ": it was written by a newer Khu Phaen Sync Server; upgrade the server");
      }
      for (int version = current + 1; version <= migrations.size(); version++) {
        for (String sql : migrations.get(version - 1)) {
          st.execute(sql);
        }
      }
      if (current < migrations.size()) {
        st.executeUpdate("DELETE FROM schema_version");
        st.executeUpdate("INSERT INTO schema_version (version) VALUES (" + migrations.size() + ")");
      }
      // one commit (one fsync) for all pending steps: the schema moves to the latest version or not at all
      connection.commit();
      if (current < migrations.size()) {
        log.info("database schema migrated from version {} to {}", current, migrations.size());
      }
    } catch (SQLException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(true);
    }
  }

  private static int currentVersion(Statement st) throws SQLException {
    try (ResultSet rs = st.executeQuery("SELECT MAX(version) FROM schema_version")) {
      return rs.next() ? rs.getInt(1) : 0;
    }
  }
}
