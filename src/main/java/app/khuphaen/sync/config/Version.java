package app.khuphaen.sync.config;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The server's version, from the build. */
public final class Version {
  public static final String NAME = "Khu Phaen Sync Server";
  public static final String VERSION = load();

  private Version() {}

  private static String load() {
    try (InputStream in = Version.class.getResourceAsStream("/app/khuphaen/sync/version.properties")) {
      Properties props = new Properties();
      if (in != null) {
        props.load(in);
      }
      return props.getProperty("version", "dev");
    } catch (IOException e) {
      return "dev";
    }
  }
}
