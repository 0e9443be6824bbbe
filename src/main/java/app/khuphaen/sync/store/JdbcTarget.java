package app.khuphaen.sync.store;

/** Where a JDBC store connects: the driver's URL, the credentials, and a password-free description for logs. */
public record JdbcTarget(String jdbcUrl, String user, String password, String display) {
  @Override
  public String toString() {
    return display;
  }
}
