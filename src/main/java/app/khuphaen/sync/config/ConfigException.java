package app.khuphaen.sync.config;

/** A user mistake in the configuration: reported as one line, never as a stack trace. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message, null, false, false);
  }
}
