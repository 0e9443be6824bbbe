package app.khuphaen.sync.store;

import app.khuphaen.sync.model.JsonString;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/** What differs between the SQL databases the JDBC store runs on. */
enum SqlDialect {
  SQLITE(
      // serialized by SQLite's single writer: no row lock needed
      null,
      null,
      null,
      List.of(
          "CREATE TABLE rooms (code TEXT PRIMARY KEY, room_id TEXT NOT NULL, host_id TEXT NOT NULL,"
              + " created_at INTEGER NOT NULL, empty_since INTEGER)",
          "CREATE TABLE documents (room_code TEXT NOT NULL REFERENCES rooms(code) ON DELETE CASCADE,"
              + " revision INTEGER NOT NULL, body TEXT NOT NULL, size_bytes INTEGER NOT NULL,"
              + " written_by TEXT NOT NULL, written_at INTEGER NOT NULL, PRIMARY KEY (room_code, revision))"),
      List.of("ALTER TABLE documents ADD COLUMN stamp INTEGER NOT NULL DEFAULT 0"),
      List.of("ALTER TABLE rooms ADD COLUMN host_key_hash TEXT"),
      List.of("ALTER TABLE rooms ADD COLUMN created_by TEXT",
          "ALTER TABLE rooms ADD COLUMN used INTEGER NOT NULL DEFAULT 1",
          "CREATE INDEX rooms_created_by ON rooms (created_by)")),
  POSTGRES(
      // serializes writers of one room across nodes
      "SELECT code FROM rooms WHERE code = ? FOR UPDATE",
      // nodes starting together migrate one at a time
      "SELECT pg_advisory_lock(7216814)",
      "SELECT pg_advisory_unlock(7216814)",
      List.of(
          "CREATE TABLE rooms (code TEXT PRIMARY KEY, room_id TEXT NOT NULL, host_id TEXT NOT NULL,"
              + " created_at BIGINT NOT NULL, empty_since BIGINT)",
          "CREATE TABLE documents (room_code TEXT NOT NULL REFERENCES rooms(code) ON DELETE CASCADE,"
              + " revision BIGINT NOT NULL, body TEXT NOT NULL, size_bytes BIGINT NOT NULL,"
              + " written_by TEXT NOT NULL, written_at BIGINT NOT NULL, PRIMARY KEY (room_code, revision))"),
      List.of("ALTER TABLE documents ADD COLUMN stamp BIGINT NOT NULL DEFAULT 0"),
      List.of("ALTER TABLE rooms ADD COLUMN host_key_hash TEXT"),
      List.of("ALTER TABLE rooms ADD COLUMN created_by TEXT",
          "ALTER TABLE rooms ADD COLUMN used INTEGER NOT NULL DEFAULT 1",
          "CREATE INDEX rooms_created_by ON rooms (created_by)"));

  /** Locks the room's row for a document write, or null where the database serializes writers itself. */
  final String lockRoom;
  /** Taken around migrations where several servers may start at once, or null. */
  final String lockMigrations;
  final String unlockMigrations;
  /** Schema version 1: rooms and document revisions. */
  final List<String> schemaV1;
  /** Schema version 2: each revision's sync stamp, so nodes agree which document is newest. */
  final List<String> schemaV2;
  /** Schema version 3: the hash of each room's host key. */
  final List<String> schemaV3;
  /**
   * Schema version 4: who created each room (MAX_ROOMS_PER_IP) and whether anyone ever joined it
   * (UNUSED_ROOM_TIMEOUT_SECONDS); rooms from before count as used, created by nobody known.
   */
  final List<String> schemaV4;

  /**
   * The parameter a document's text is bound to. SQLite takes the text's UTF-8 as a blob that the SQL
   * casts to TEXT (stored as text, as before): no String of a multi-MB document and no second
   * encoding of it (docs/performance.md, "The document path").
   */
  String documentParameter() {
    return this == SQLITE ? "CAST(? AS TEXT)" : "?";
  }

  void bindDocument(PreparedStatement st, int index, JsonString document) throws SQLException {
    if (this == SQLITE) {
      st.setBytes(index, document.decodeUtf8());
    } else {
      st.setString(index, document.decode());
    }
  }

  /**
   * The document in column {@code index}: its UTF-8 bytes (SQLite's text as stored; PostgreSQL's text
   * as the server sent it, in the connection's UTF8 encoding), escaped in one pass into the form the
   * relay keeps: no String of it, two bytes a character, is made.
   */
  JsonString readDocument(java.sql.ResultSet rs, int index) throws SQLException {
    return JsonString.ofUtf8(rs.getBytes(index));
  }

  SqlDialect(String lockRoom, String lockMigrations, String unlockMigrations, List<String> schemaV1, List<String> schemaV2,
             List<String> schemaV3, List<String> schemaV4) {
    this.lockRoom = lockRoom;
    this.lockMigrations = lockMigrations;
    this.unlockMigrations = unlockMigrations;
    this.schemaV1 = schemaV1;
    this.schemaV2 = schemaV2;
    this.schemaV3 = schemaV3;
    this.schemaV4 = schemaV4;
  }
}
