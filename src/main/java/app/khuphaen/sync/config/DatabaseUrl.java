package app.khuphaen.sync.config;

import app.khuphaen.sync.config.ConfigException;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * A {@code postgres://user:pass@host:port/db?params} URL, as cloud hosts hand them out, turned into
 * what the JDBC driver takes. The password is never part of {@link #toString()}.
 */
public record DatabaseUrl(String jdbcUrl, String user, String password, String display) {

  public static DatabaseUrl parse(String url) {
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (URISyntaxException e) {
      throw invalid();
    }
    String scheme = uri.getScheme();
    if (!"postgres".equals(scheme) && !"postgresql".equals(scheme)) {
      throw invalid();
    }
    String host = uri.getHost();
    String path = uri.getRawPath();
    if (host == null || path == null || path.length() < 2) {
      throw invalid();
    }
    int port = uri.getPort() == -1 ? 5432 : uri.getPort();
    String database = path.substring(1);
    String user = null;
    String password = null;
    if (uri.getRawUserInfo() != null) {
      String[] parts = uri.getRawUserInfo().split(":", 2);
      user = decode(parts[0]);
      password = parts.length > 1 ? decode(parts[1]) : null;
    }
    String hostPart = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    String jdbc = "jdbc:postgresql://" + hostPart + ":" + port + "/" + database
        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    String display = "postgresql://" + (user == null ? "" : user + "@") + hostPart + ":" + port + "/" + decode(database);
    return new DatabaseUrl(jdbc, user, password, display);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static ConfigException invalid() {
    return new ConfigException("Invalid setting DATABASE_URL: expected postgres://user:password@host:port/database"
        + " (or postgresql://…)");
  }

  @Override
  public String toString() {
    return display;
  }
}
