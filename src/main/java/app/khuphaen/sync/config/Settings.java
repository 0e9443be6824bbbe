package app.khuphaen.sync.config;

import io.vertx.core.json.JsonObject;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Every setting of the server, validated once at start-up.
 *
 * <p>Each setting has one name, used both as the environment variable and as the key in the JSON
 * config file (environment wins). This class is the one place that knows names, defaults and the
 * accepted values.
 */
public record Settings(
    int port,
    long roomIdleTimeoutSeconds,
    long sweepIntervalSeconds,
    String logLevel,
    LogFormat logFormat,
    int maxMessageBytes,
    boolean wsCompression,
    StoreKind store,
    String dataDir,
    DatabaseUrl databaseUrl,
    int documentRevisions,
    int documentWriteIntervalMs,
    ClusterSettings cluster,
    Limits limits,
    Http http,
    Quotas quotas,
    Security security,
    MemoryPlan memory) {

  /** Where rooms and documents are kept. */
  public enum StoreKind { SQLITE, POSTGRES, MEMORY }

  public static final String PORT = "PORT";
  public static final String ROOM_IDLE_TIMEOUT_SECONDS = "ROOM_IDLE_TIMEOUT_SECONDS";
  public static final String SWEEP_INTERVAL_SECONDS = "SWEEP_INTERVAL_SECONDS";
  public static final String LOG_LEVEL = "LOG_LEVEL";
  public static final String RUST_LOG = "RUST_LOG";
  public static final String LOG_FORMAT = "LOG_FORMAT";
  public static final String MAX_MESSAGE_BYTES = "MAX_MESSAGE_BYTES";
  public static final String WS_COMPRESSION = "WS_COMPRESSION";
  public static final String STORE = "STORE";
  public static final String DATA_DIR = "DATA_DIR";
  public static final String DATABASE_URL = "DATABASE_URL";
  public static final String DOCUMENT_REVISIONS = "DOCUMENT_REVISIONS";
  public static final String DOCUMENT_WRITE_INTERVAL_MS = "DOCUMENT_WRITE_INTERVAL_MS";
  public static final String CLUSTER = "CLUSTER";
  public static final String CLUSTER_MEMBERS = "CLUSTER_MEMBERS";
  public static final String CLUSTER_HOST = "CLUSTER_HOST";
  public static final String CLUSTER_PORT = "CLUSTER_PORT";
  public static final String EVENTBUS_PORT = "EVENTBUS_PORT";
  public static final String CLUSTER_MULTICAST = "CLUSTER_MULTICAST";
  public static final String CLUSTER_KUBERNETES_SERVICE_DNS = "CLUSTER_KUBERNETES_SERVICE_DNS";

  public static final String MAX_METADATA_BYTES = "MAX_METADATA_BYTES";
  public static final String MAX_NESTING_DEPTH = "MAX_NESTING_DEPTH";
  public static final String MAX_DATA_BYTES = "MAX_DATA_BYTES";
  public static final String MAX_PEERS_PER_ROOM = "MAX_PEERS_PER_ROOM";
  public static final String MAX_ROOMS = "MAX_ROOMS";
  public static final String MAX_CONNECTIONS_PER_IP = "MAX_CONNECTIONS_PER_IP";
  public static final String MAX_ROOMS_PER_IP = "MAX_ROOMS_PER_IP";
  public static final String UNUSED_ROOM_TIMEOUT_SECONDS = "UNUSED_ROOM_TIMEOUT_SECONDS";
  public static final String LOOKUP_MISS_BURST = "LOOKUP_MISS_BURST";
  public static final String LOOKUP_MISS_MAX_WAIT_SECONDS = "LOOKUP_MISS_MAX_WAIT_SECONDS";
  public static final String STORE_MAX_BYTES = "STORE_MAX_BYTES";
  public static final String REVISION_SPACING_SECONDS = "REVISION_SPACING_SECONDS";
  public static final String ROOM_WRITE_BYTES_PER_SECOND = "ROOM_WRITE_BYTES_PER_SECOND";
  public static final String CLIENT_WRITE_BYTES_PER_SECOND = "CLIENT_WRITE_BYTES_PER_SECOND";
  public static final String PUBLIC_URL = "PUBLIC_URL";
  public static final String MESSAGE_RATE_PER_SECOND = "MESSAGE_RATE_PER_SECOND";
  public static final String MESSAGE_BURST = "MESSAGE_BURST";
  public static final String RATE_ABUSE_WINDOW_SECONDS = "RATE_ABUSE_WINDOW_SECONDS";
  public static final String OUTBOUND_QUEUE_BYTES = "OUTBOUND_QUEUE_BYTES";
  public static final String BUFFER_BUDGET_BYTES = "BUFFER_BUDGET_BYTES";
  public static final String INCOMING_BUFFER_BYTES = "INCOMING_BUFFER_BYTES";
  public static final String MEMORY_LIMIT_BYTES = "MEMORY_LIMIT_BYTES";
  public static final String MESSAGE_TIMEOUT_SECONDS = "MESSAGE_TIMEOUT_SECONDS";
  public static final String DOCUMENT_MEMORY_BYTES = "DOCUMENT_MEMORY_BYTES";
  public static final String HTTP_HEADER_TIMEOUT_SECONDS = "HTTP_HEADER_TIMEOUT_SECONDS";
  public static final String HTTP_IDLE_TIMEOUT_SECONDS = "HTTP_IDLE_TIMEOUT_SECONDS";
  public static final String MAX_HTTP_CONNECTIONS_PER_IP = "MAX_HTTP_CONNECTIONS_PER_IP";
  public static final String WS_PING_INTERVAL_SECONDS = "WS_PING_INTERVAL_SECONDS";
  public static final String WS_IDLE_TIMEOUT_SECONDS = "WS_IDLE_TIMEOUT_SECONDS";
  public static final String HOST_AUTH = "HOST_AUTH";
  public static final String TRUSTED_PROXIES = "TRUSTED_PROXIES";
  public static final String CORS_ORIGINS = "CORS_ORIGINS";
  public static final String ADMIN_TOKEN = "ADMIN_TOKEN";
  public static final String METRICS_TOKEN = "METRICS_TOKEN";
  public static final String TLS_CERT_FILE = "TLS_CERT_FILE";
  public static final String TLS_KEY_FILE = "TLS_KEY_FILE";

  /** What one client may send and hold; see README "Limits and security". */
  public record Limits(int maxMetadataBytes, int maxDataBytes, int maxPeersPerRoom, int maxRooms,
                       int maxConnectionsPerIp, int messageRatePerSecond, int messageBurst, int outboundQueueBytes,
                       int wsPingIntervalSeconds, int wsIdleTimeoutSeconds, int maxNestingDepth,
                       int rateAbuseWindowSeconds, long bufferBudgetBytes, long documentMemoryBytes,
                       long incomingBufferBytes, int messageTimeoutSeconds) {}

  /**
   * Plain HTTP connections (before any WebSocket upgrade): how long a request head may take, how long
   * a connection may idle between requests, and how many one address may hold open.
   */
  public record Http(int headerTimeoutSeconds, int idleTimeoutSeconds, int maxConnectionsPerIp) {}

  /**
   * What one client address may make the server keep, look up and write, so that a few addresses
   * cannot fill the server, find its rooms by guessing, or fill its disk (docs/operations.md, "What
   * an outsider can do").
   *
   * @param unusedRoomTimeoutSeconds how long a room nobody ever joined is kept (0: as long as any room)
   * @param lookupMissBurst unknown room codes an address may name before it has to wait
   * @param lookupMissMaxWaitSeconds the longest wait its further misses earn
   * @param storeMaxBytes the documents' bytes the store may hold in all
   * @param revisionSpacingSeconds the least age gap between the newest two kept revisions
   */
  public record Quotas(int maxRoomsPerIp, long unusedRoomTimeoutSeconds, int lookupMissBurst,
                       int lookupMissMaxWaitSeconds, long storeMaxBytes, int revisionSpacingSeconds,
                       long roomWriteBytesPerSecond, long clientWriteBytesPerSecond) {}

  /** {@code OFF}: the existing front end works unchanged; {@code REQUIRED}: the host must prove itself. */
  public enum HostAuth { OFF, REQUIRED }

  /**
   * @param trustedProxies CIDR blocks whose X-Forwarded-For / X-Forwarded-Proto are believed
   * @param corsOrigins allowed origins, or empty for any origin
   * @param tlsCertFile PEM certificate chain, or null for plain HTTP
   * @param adminToken the admin API's bearer token, or null when the admin API is off
   * @param metricsToken the bearer token /metrics requires, or null when it is open
   * @param publicUrl the server's public URL ({@code https://host[:port][/path]}, no trailing slash),
   *     or null to build URLs from each request
   */
  public record Security(HostAuth hostAuth, List<String> trustedProxies, List<String> corsOrigins,
                         String tlsCertFile, String tlsKeyFile, String adminToken, String metricsToken,
                         String publicUrl) {
    @Override
    public String toString() { // never the tokens, should settings ever be logged
      return "Security[hostAuth=" + hostAuth + ", trustedProxies=" + trustedProxies + ", corsOrigins=" + corsOrigins
          + ", tls=" + (tlsCertFile != null) + ", publicUrl=" + publicUrl + "]";
    }
  }

  /** Clustered mode; {@code enabled == false} means a single node and the other fields are unused. */
  public record ClusterSettings(boolean enabled, List<String> members, String host, int port, int eventBusPort,
                                boolean multicast, String kubernetesServiceDns) {}

  private static final Set<String> LEVELS = Set.of("trace", "debug", "info", "warn", "error", "off");

  /** The settings a server gets when nothing is configured. */
  public static Settings defaults() {
    return from(new JsonObject());
  }

  /**
   * Builds settings from merged config (file keys overridden by environment keys of the same name),
   * sized for MEMORY_LIMIT_BYTES if it is given, else for 100 MiB: what tests and trials get, whatever
   * machine they run on.
   */
  public static Settings from(JsonObject config) {
    String explicit = text(config, MEMORY_LIMIT_BYTES);
    return from(config, explicit == null ? MemoryLimit.defaults() : MemoryLimit.detect(explicit));
  }

  /** As {@link #from(JsonObject)}, the budgets' defaults sized for {@code limit} (the running process's). */
  public static Settings from(JsonObject config, MemoryLimit limit) {
    MemoryPlan memory = MemoryPlan.of(limit);
    DatabaseUrl databaseUrl = text(config, DATABASE_URL) == null ? null : DatabaseUrl.parse(text(config, DATABASE_URL));
    StoreKind store = storeKind(config, databaseUrl);
    String dataDir = text(config, DATA_DIR);
    ClusterSettings cluster = cluster(config);
    if (cluster.enabled() && store != StoreKind.POSTGRES) {
      throw new ConfigException("Invalid setting CLUSTER=true with STORE=" + store.name().toLowerCase(Locale.ROOT)
          + ": a cluster needs the shared PostgreSQL store; set DATABASE_URL=postgres://user:password@host:port/database");
    }
    return new Settings(
        (int) integer(config, PORT, 0, 65_535),
        integer(config, ROOM_IDLE_TIMEOUT_SECONDS, 0, Long.MAX_VALUE / 1000),
        integer(config, SWEEP_INTERVAL_SECONDS, 1, 86_400),
        logLevel(config),
        logFormat(config),
        maxMessageBytes(config, memory),
        bool(config, WS_COMPRESSION),
        store,
        dataDir == null ? Setting.DATA_DIR.defaultValue() : dataDir,
        databaseUrl,
        (int) integer(config, DOCUMENT_REVISIONS, 1, 1000),
        (int) integer(config, DOCUMENT_WRITE_INTERVAL_MS, 0, 60_000),
        cluster,
        limits(config, memory),
        http(config),
        quotas(config),
        security(config),
        memory);
  }

  private static Quotas quotas(JsonObject config) {
    return new Quotas(
        (int) integer(config, MAX_ROOMS_PER_IP, 1, 100_000_000),
        integer(config, UNUSED_ROOM_TIMEOUT_SECONDS, 0, Long.MAX_VALUE / 1000),
        (int) integer(config, LOOKUP_MISS_BURST, 1, 1_000_000),
        (int) integer(config, LOOKUP_MISS_MAX_WAIT_SECONDS, 1, 86_400),
        integer(config, STORE_MAX_BYTES, 1024 * 1024, Long.MAX_VALUE),
        (int) integer(config, REVISION_SPACING_SECONDS, 0, 86_400),
        integer(config, ROOM_WRITE_BYTES_PER_SECOND, 1024, Long.MAX_VALUE),
        integer(config, CLIENT_WRITE_BYTES_PER_SECOND, 1024, Long.MAX_VALUE));
  }

  private static Limits limits(JsonObject config, MemoryPlan memory) {
    int ping = (int) integer(config, WS_PING_INTERVAL_SECONDS, 1, 3600);
    int idle = (int) integer(config, WS_IDLE_TIMEOUT_SECONDS, 2, 86_400);
    if (idle <= ping) {
      throw new ConfigException("Invalid setting WS_IDLE_TIMEOUT_SECONDS=" + idle
          + ": expected more than WS_PING_INTERVAL_SECONDS (" + ping + "), or live clients would be closed");
    }
    return new Limits(
        (int) integer(config, MAX_METADATA_BYTES, 0, Integer.MAX_VALUE),
        (int) integer(config, MAX_DATA_BYTES, 1, Integer.MAX_VALUE),
        (int) integer(config, MAX_PEERS_PER_ROOM, 1, 1_000_000),
        (int) integer(config, MAX_ROOMS, 1, 100_000_000),
        (int) integer(config, MAX_CONNECTIONS_PER_IP, 1, 1_000_000),
        (int) integer(config, MESSAGE_RATE_PER_SECOND, 1, 10_000_000),
        (int) integer(config, MESSAGE_BURST, 1, 10_000_000),
        (int) integer(config, OUTBOUND_QUEUE_BYTES, 1024, Integer.MAX_VALUE, memory.outboundQueue()),
        ping,
        idle,
        // deeper than a few hundred levels, the JSON decoder's recursion would exhaust a thread's stack
        (int) integer(config, MAX_NESTING_DEPTH, 1, 256),
        (int) integer(config, RATE_ABUSE_WINDOW_SECONDS, 1, 3600),
        integer(config, BUFFER_BUDGET_BYTES, 64 * 1024, Long.MAX_VALUE, memory.outgoing()),
        integer(config, DOCUMENT_MEMORY_BYTES, 0, Long.MAX_VALUE, memory.documents()),
        incomingBufferBytes(config, memory),
        (int) integer(config, MESSAGE_TIMEOUT_SECONDS, 1, 86_400));
  }

  private static long incomingBufferBytes(JsonObject config, MemoryPlan memory) {
    return integer(config, INCOMING_BUFFER_BYTES, 1024, Long.MAX_VALUE, memory.incoming());
  }

  /** MAX_MESSAGE_BYTES, which must fit in INCOMING_BUFFER_BYTES: a message is reserved whole before it is read. */
  private static int maxMessageBytes(JsonObject config, MemoryPlan memory) {
    int max = (int) integer(config, MAX_MESSAGE_BYTES, 1024, Integer.MAX_VALUE);
    long incoming = incomingBufferBytes(config, memory);
    if (max > incoming) {
      throw new ConfigException("Invalid setting MAX_MESSAGE_BYTES=" + max + ": expected at most INCOMING_BUFFER_BYTES ("
          + incoming + "), or a message that large could never be read (a larger MEMORY_LIMIT_BYTES raises it)");
    }
    return max;
  }

  private static Http http(JsonObject config) {
    return new Http(
        (int) integer(config, HTTP_HEADER_TIMEOUT_SECONDS, 1, 3600),
        (int) integer(config, HTTP_IDLE_TIMEOUT_SECONDS, 1, 86_400),
        (int) integer(config, MAX_HTTP_CONNECTIONS_PER_IP, 1, 1_000_000));
  }

  private static Security security(JsonObject config) {
    String hostAuth = text(config, HOST_AUTH);
    HostAuth auth = switch (hostAuth == null ? Setting.HOST_AUTH.defaultValue() : hostAuth.trim().toLowerCase(Locale.ROOT)) {
      case "off" -> HostAuth.OFF;
      case "required" -> HostAuth.REQUIRED;
      default -> throw invalid(HOST_AUTH, hostAuth, "off or required");
    };
    String cert = text(config, TLS_CERT_FILE);
    String key = text(config, TLS_KEY_FILE);
    if ((cert == null) != (key == null)) {
      throw new ConfigException("Invalid setting " + (cert == null ? TLS_CERT_FILE : TLS_KEY_FILE)
          + ": TLS needs both TLS_CERT_FILE and TLS_KEY_FILE (PEM files)");
    }
    return new Security(auth, list(config, TRUSTED_PROXIES), list(config, CORS_ORIGINS), cert, key,
        token(config, ADMIN_TOKEN), token(config, METRICS_TOKEN), publicUrl(config));
  }

  /** {@code http(s)://host[:port][/path]}, without a query, fragment or user; null when not set. */
  private static String publicUrl(JsonObject config) {
    String raw = text(config, PUBLIC_URL);
    if (raw == null) {
      return null;
    }
    try {
      java.net.URI uri = new java.net.URI(raw.trim());
      boolean web = "http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme());
      if (!web || uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawQuery() != null
          || uri.getRawFragment() != null) {
        throw invalid(PUBLIC_URL, raw, "an http:// or https:// URL such as https://sync.example.org");
      }
      String url = uri.getScheme().toLowerCase(Locale.ROOT) + raw.trim().substring(uri.getScheme().length());
      return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    } catch (java.net.URISyntaxException e) {
      throw invalid(PUBLIC_URL, raw, "an http:// or https:// URL such as https://sync.example.org");
    }
  }

  /** A bearer token: null when not set; at least 16 characters, and none that cannot travel in a header. */
  private static String token(JsonObject config, String name) {
    String token = text(config, name);
    if (token == null) {
      return null;
    }
    token = token.trim();
    if (token.length() < 16 || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new ConfigException("Invalid setting " + name
          + ": expected at least 16 printable ASCII characters without spaces (e.g. openssl rand -hex 24)");
    }
    return token;
  }

  private static List<String> list(JsonObject config, String name) {
    String raw = text(config, name);
    return raw == null ? List.of() : Arrays.stream(raw.split(",")).map(String::trim).filter(v -> !v.isEmpty()).toList();
  }

  private static ClusterSettings cluster(JsonObject config) {
    String host = text(config, CLUSTER_HOST);
    String members = text(config, CLUSTER_MEMBERS);
    return new ClusterSettings(
        bool(config, CLUSTER),
        members == null ? List.of() : Arrays.stream(members.split(",")).map(String::trim).filter(m -> !m.isEmpty()).toList(),
        host == null ? Setting.CLUSTER_HOST.defaultValue() : host.trim(),
        (int) integer(config, CLUSTER_PORT, 1, 65_535),
        (int) integer(config, EVENTBUS_PORT, 0, 65_535),
        bool(config, CLUSTER_MULTICAST),
        text(config, CLUSTER_KUBERNETES_SERVICE_DNS));
  }

  private static boolean bool(JsonObject config, String name) {
    Object raw = config.getValue(name);
    if (raw == null || raw.toString().isBlank()) {
      return false;
    }
    return switch (raw.toString().trim().toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes", "on" -> true;
      case "false", "0", "no", "off" -> false;
      default -> throw invalid(name, raw, "true or false");
    };
  }

  /** STORE wins; without it, DATABASE_URL means PostgreSQL and nothing means SQLite. */
  private static StoreKind storeKind(JsonObject config, DatabaseUrl databaseUrl) {
    String store = text(config, STORE);
    if (store == null) {
      return databaseUrl != null ? StoreKind.POSTGRES : StoreKind.SQLITE;
    }
    StoreKind kind = switch (store.trim().toLowerCase(Locale.ROOT)) {
      case "sqlite" -> StoreKind.SQLITE;
      case "postgres", "postgresql" -> StoreKind.POSTGRES;
      case "memory" -> StoreKind.MEMORY;
      default -> throw invalid(STORE, store, "one of sqlite, postgres, memory");
    };
    if (kind == StoreKind.POSTGRES && databaseUrl == null) {
      throw new ConfigException("Invalid setting STORE=" + store + ": PostgreSQL needs DATABASE_URL=postgres://user:password@host:port/database");
    }
    return kind;
  }

  private static String text(JsonObject config, String name) {
    Object raw = config.getValue(name);
    return raw == null || raw.toString().isBlank() ? null : raw.toString();
  }

  private static long integer(JsonObject config, String name, long min, long max) {
    return integer(config, name, min, max, Setting.valueOf(name).defaultLong());
  }

  /** A whole number in [min, max], or {@code fallback} when it is not given. */
  private static long integer(JsonObject config, String name, long min, long max, long fallback) {
    Object raw = config.getValue(name);
    if (raw == null || raw.toString().isBlank()) {
      return fallback;
    }
    long value;
    try {
      value = raw instanceof Number n && n.doubleValue() == n.longValue()
          ? n.longValue()
          : Long.parseLong(raw.toString().trim());
    } catch (NumberFormatException e) {
      throw invalid(name, raw, "a whole number from " + min + " to " + max);
    }
    if (value < min || value > max) {
      throw invalid(name, raw, "a whole number from " + min + " to " + max);
    }
    return value;
  }

  /** How log lines are written on standard output. */
  public enum LogFormat { TEXT, JSON }

  private static LogFormat logFormat(JsonObject config) {
    String format = text(config, LOG_FORMAT);
    return switch (format == null ? Setting.LOG_FORMAT.defaultValue() : format.trim().toLowerCase(Locale.ROOT)) {
      case "text" -> LogFormat.TEXT;
      case "json" -> LogFormat.JSON;
      default -> throw invalid(LOG_FORMAT, format, "text or json");
    };
  }

  /** LOG_LEVEL wins; RUST_LOG (e.g. "info" or "khu_phaen=debug,tower=warn") is kept for old deployments. */
  private static String logLevel(JsonObject config) {
    Object level = config.getValue(LOG_LEVEL);
    if (level != null && !level.toString().isBlank()) {
      String normalized = level.toString().trim().toLowerCase(Locale.ROOT);
      if (!LEVELS.contains(normalized)) {
        throw invalid(LOG_LEVEL, level, "one of trace, debug, info, warn, error, off");
      }
      return normalized;
    }
    Object rust = config.getValue(RUST_LOG);
    if (rust == null || rust.toString().isBlank()) {
      return Setting.LOG_LEVEL.defaultValue();
    }
    String chosen = null;
    for (String directive : rust.toString().split(",")) {
      String d = directive.trim().toLowerCase(Locale.ROOT);
      String lvl = d.contains("=") ? d.substring(d.indexOf('=') + 1) : d;
      if (LEVELS.contains(lvl) && (chosen == null || !d.contains("="))) {
        chosen = lvl; // a bare level is the global one; otherwise the first directive's level
      }
    }
    if (chosen == null) {
      throw invalid(RUST_LOG, rust, "a level (trace, debug, info, warn, error, off) or target=level directives");
    }
    return chosen;
  }

  private static ConfigException invalid(String name, Object value, String expected) {
    return new ConfigException("Invalid setting " + name + "=" + value + ": expected " + expected);
  }
}
