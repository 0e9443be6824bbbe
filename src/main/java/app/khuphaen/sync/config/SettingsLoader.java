package app.khuphaen.sync.config;

import app.khuphaen.sync.model.Errors;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads the JSON config file and the environment (environment wins) into {@link Settings}. */
public final class SettingsLoader {
  public static final String DEFAULT_CONFIG_FILE = "conf/config.json";
  public static final String CONFIG_FILE_ENV = "CONFIG_FILE";

  private SettingsLoader() {}

  /**
   * @param explicitFile the file named by {@code --config} or {@code CONFIG_FILE}, or null for the
   *     default, which may be absent (a fresh machine runs on defaults).
   */
  public static Future<Settings> load(Vertx vertx, String explicitFile) {
    return raw(vertx, explicitFile).compose(json -> {
      try {
        return Future.succeededFuture(running(json));
      } catch (ConfigException e) {
        return Future.failedFuture(e);
      }
    });
  }

  /** Settings sized for this process's memory limit (MEMORY_LIMIT_BYTES, else the cgroup's). */
  private static Settings running(JsonObject json) {
    Object explicit = json.getValue(Setting.MEMORY_LIMIT_BYTES.name());
    return Settings.from(json, MemoryLimit.detect(explicit == null ? null : explicit.toString()));
  }

  /**
   * Every setting's effective value, in the catalog's order, once they are valid: what was given, or
   * the default (the memory plan's, for the settings it sizes). Secrets are redacted: the password
   * of {@code DATABASE_URL}, the tokens. Then, as {@code # } lines, the memory plan: the limit, where
   * it was found, and each share.
   */
  public static Future<Map<String, String>> effective(Vertx vertx, String explicitFile) {
    return raw(vertx, explicitFile).compose(json -> {
      Settings settings;
      try {
        settings = running(json); // valid, or the one-line error
      } catch (ConfigException e) {
        return Future.failedFuture(e);
      }
      Map<String, Long> planned = Map.of(
          Setting.OUTBOUND_QUEUE_BYTES.name(), (long) settings.limits().outboundQueueBytes(),
          Setting.BUFFER_BUDGET_BYTES.name(), settings.limits().bufferBudgetBytes(),
          Setting.DOCUMENT_MEMORY_BYTES.name(), settings.limits().documentMemoryBytes(),
          Setting.INCOMING_BUFFER_BYTES.name(), settings.limits().incomingBufferBytes(),
          Setting.MEMORY_LIMIT_BYTES.name(), settings.memory().limit().bytes());
      Map<String, String> values = new LinkedHashMap<>();
      for (Setting setting : Setting.values()) {
        Object given = json.getValue(setting.name());
        boolean isGiven = given != null && !given.toString().isBlank();
        String value = isGiven ? given.toString()
            : planned.containsKey(setting.name()) ? planned.get(setting.name()) + " (memory plan)"
            : setting.shownDefault();
        if (setting == Setting.DATABASE_URL && isGiven) {
          value = DatabaseUrl.parse(given.toString()).display();
        } else if (setting.secret() && isGiven) {
          value = "(set, redacted)";
        }
        values.put(setting.name(), value);
      }
      settings.memory().rows().forEach((share, size) -> values.put("# " + share, size));
      return Future.succeededFuture(values);
    });
  }

  /** The config file's keys, overridden by the environment's. */
  private static Future<JsonObject> raw(Vertx vertx, String explicitFile) {
    String file = explicitFile != null ? explicitFile : DEFAULT_CONFIG_FILE;
    if (explicitFile != null && !Files.isReadable(Path.of(explicitFile))) {
      return Future.failedFuture(new ConfigException("Config file not found or not readable: " + explicitFile));
    }
    ConfigRetrieverOptions options = new ConfigRetrieverOptions()
        .setScanPeriod(0)
        .setIncludeDefaultStores(false)
        .addStore(new ConfigStoreOptions()
            .setType("file").setFormat("json").setOptional(explicitFile == null)
            .setConfig(new JsonObject().put("path", file)))
        .addStore(new ConfigStoreOptions().setType("env"));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever.getConfig()
        .recover(err -> Future.failedFuture(new ConfigException("Cannot read config file " + file + ": " + whyUnreadable(err))))
        .onComplete(ar -> retriever.close());
  }

  /**
   * Why the file could not be read, without quoting it: a syntax error names its place, never the
   * token there, which may be the value of a secret (a token, a password in DATABASE_URL).
   */
  static String whyUnreadable(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof JsonProcessingException json) {
        JsonLocation at = json.getLocation();
        return at == null ? "not valid JSON" : "not valid JSON (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
      }
    }
    return Errors.rootMessage(err);
  }
}
