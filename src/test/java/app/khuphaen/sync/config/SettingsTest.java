package app.khuphaen.sync.config;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SettingsTest {

  @Test
  void defaultsMatchTheProtocol() {
    Settings s = Settings.defaults();
    assertThat(s.port()).isEqualTo(3001);
    assertThat(s.roomIdleTimeoutSeconds()).isEqualTo(3600);
    assertThat(s.sweepIntervalSeconds()).isEqualTo(60);
    assertThat(s.logLevel()).isEqualTo("info");
    assertThat(s.maxMessageBytes()).isEqualTo(4 * 1024 * 1024);
  }

  /**
   * The memory defaults come from the plan for 100 MiB (docs/memory.md has the arithmetic), and the
   * catalog shows exactly those; another limit sizes them again; a value given wins.
   */
  @Test
  void memoryDefaultsAreThePlansAndHttpDefaults() {
    Settings s = Settings.defaults();
    assertThat(s.memory().limit().bytes()).isEqualTo(100L << 20);
    assertThat(s.limits().outboundQueueBytes()).isEqualTo(10 << 20).isEqualTo(Setting.OUTBOUND_QUEUE_BYTES.defaultLong());
    assertThat(s.limits().bufferBudgetBytes()).isEqualTo(10 << 20).isEqualTo(Setting.BUFFER_BUDGET_BYTES.defaultLong());
    assertThat(s.limits().documentMemoryBytes()).isEqualTo(3 << 20).isEqualTo(Setting.DOCUMENT_MEMORY_BYTES.defaultLong());
    assertThat(s.limits().incomingBufferBytes()).isEqualTo(6 << 20).isEqualTo(Setting.INCOMING_BUFFER_BYTES.defaultLong());
    assertThat(s.http()).isEqualTo(new Settings.Http(10, 60, 256));

    Settings larger = Settings.from(new JsonObject().put(Settings.MEMORY_LIMIT_BYTES, "512m"));
    assertThat(larger.limits().incomingBufferBytes()).isEqualTo(larger.memory().incoming()).isGreaterThan(40 << 20);
    assertThat(larger.limits().outboundQueueBytes()).isEqualTo(16 << 20);
    Settings given = Settings.from(new JsonObject().put(Settings.MEMORY_LIMIT_BYTES, "512m")
        .put(Settings.BUFFER_BUDGET_BYTES, 1 << 20));
    assertThat(given.limits().bufferBudgetBytes()).isEqualTo(1 << 20);
    assertThatThrownBy(() -> Settings.from(new JsonObject().put(Settings.MEMORY_LIMIT_BYTES, "32m")))
        .hasMessage("Invalid setting MEMORY_LIMIT_BYTES=32m: expected at least 80 MiB (83886080, or 80m)");
  }

  /** The outsider's limits (docs/operations.md, "What an outsider can do"). */
  @Test
  void quotaDefaults() {
    assertThat(Settings.defaults().quotas())
        .isEqualTo(new Settings.Quotas(20, 600, 20, 3600, 1L << 30, 10, 1L << 20, 2L << 20));
    assertThat(Settings.defaults().security().publicUrl()).isNull();
    assertThatThrownBy(() -> Settings.from(new JsonObject().put("STORE_MAX_BYTES", 1000)))
        .hasMessage("Invalid setting STORE_MAX_BYTES=1000: expected a whole number from 1048576 to 9223372036854775807");
  }

  @Test
  void acceptsNumbersAndNumericStrings() {
    Settings s = Settings.from(new JsonObject().put("PORT", "8080").put("ROOM_IDLE_TIMEOUT_SECONDS", 0));
    assertThat(s.port()).isEqualTo(8080);
    assertThat(s.roomIdleTimeoutSeconds()).isZero();
  }

  @Test
  void badValuesNameTheSettingAndTheAcceptedValues() {
    assertThatThrownBy(() -> Settings.from(new JsonObject().put("PORT", "eighty")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Invalid setting PORT=eighty: expected a whole number from 0 to 65535");
    assertThatThrownBy(() -> Settings.from(new JsonObject().put("PORT", 70000)))
        .hasMessageContaining("PORT=70000");
    assertThatThrownBy(() -> Settings.from(new JsonObject().put("ROOM_IDLE_TIMEOUT_SECONDS", -1)))
        .hasMessageContaining("ROOM_IDLE_TIMEOUT_SECONDS=-1");
    assertThatThrownBy(() -> Settings.from(new JsonObject().put("SWEEP_INTERVAL_SECONDS", 0)))
        .hasMessageContaining("SWEEP_INTERVAL_SECONDS=0");
    assertThatThrownBy(() -> Settings.from(new JsonObject().put("LOG_LEVEL", "loud")))
        .hasMessage("Invalid setting LOG_LEVEL=loud: expected one of trace, debug, info, warn, error, off");
  }

  @Test
  void rustLogIsAnAliasAndLogLevelWins() {
    assertThat(Settings.from(new JsonObject().put("RUST_LOG", "debug")).logLevel()).isEqualTo("debug");
    assertThat(Settings.from(new JsonObject().put("RUST_LOG", "khu_phaen=trace,tower=warn")).logLevel()).isEqualTo("trace");
    assertThat(Settings.from(new JsonObject().put("RUST_LOG", "warn,hyper=debug")).logLevel()).isEqualTo("warn");
    assertThat(Settings.from(new JsonObject().put("RUST_LOG", "debug").put("LOG_LEVEL", "error")).logLevel()).isEqualTo("error");
    assertThatThrownBy(() -> Settings.from(new JsonObject().put("RUST_LOG", "verbose")))
        .hasMessageStartingWith("Invalid setting RUST_LOG=verbose");
  }

  @Test
  void loaderReadsTheFileAndRefusesAMissingExplicitFile(@TempDir Path dir) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Path file = dir.resolve("config.json");
      Files.writeString(file, "{\"PORT\": 4555, \"ROOM_IDLE_TIMEOUT_SECONDS\": 12}");
      Settings s = SettingsLoader.load(vertx, file.toString()).await(10, TimeUnit.SECONDS);
      assertThat(s.port()).isEqualTo(4555);
      assertThat(s.roomIdleTimeoutSeconds()).isEqualTo(12);

      assertThatThrownBy(() -> SettingsLoader.load(vertx, dir.resolve("missing.json").toString()).await(10, TimeUnit.SECONDS))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("missing.json");

      Path broken = dir.resolve("broken.json");
      Files.writeString(broken, "{ not json");
      assertThatThrownBy(() -> SettingsLoader.load(vertx, broken.toString()).await(10, TimeUnit.SECONDS))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("broken.json");

      // a syntax error says where, never what: the token could be a secret's value
      Path leaky = dir.resolve("leaky.json");
      Files.writeString(leaky, "{\n  \"ADMIN_TOKEN\": deadbeefcafe0123456789\n}");
      assertThatThrownBy(() -> SettingsLoader.load(vertx, leaky.toString()).await(10, TimeUnit.SECONDS))
          .isInstanceOf(ConfigException.class)
          .hasMessage("Cannot read config file " + leaky + ": not valid JSON (line 2, column 41)")
          .hasMessageNotContaining("deadbeef");
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aClusterNeedsPostgresql() {
    assertThatThrownBy(() -> Settings.from(new JsonObject().put("CLUSTER", "true")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("Invalid setting CLUSTER=true with STORE=sqlite: a cluster needs the shared PostgreSQL store");
    assertThatThrownBy(() -> Settings.from(new JsonObject().put("CLUSTER", true).put("STORE", "memory")))
        .hasMessageContaining("STORE=memory");
    assertThatThrownBy(() -> Settings.from(new JsonObject().put("CLUSTER", "maybe")))
        .hasMessage("Invalid setting CLUSTER=maybe: expected true or false");
    Settings clustered = Settings.from(new JsonObject().put("CLUSTER", "true").put("DATABASE_URL", "postgres://u@h/db")
        .put("CLUSTER_MEMBERS", "10.0.0.1:5701, 10.0.0.2:5701,").put("CLUSTER_HOST", "10.0.0.1"));
    assertThat(clustered.cluster().enabled()).isTrue();
    assertThat(clustered.cluster().members()).containsExactly("10.0.0.1:5701", "10.0.0.2:5701");
    assertThat(clustered.cluster().port()).isEqualTo(5701);
    assertThat(clustered.cluster().eventBusPort()).isZero();
    assertThat(clustered.cluster().multicast()).isFalse();
  }
}
