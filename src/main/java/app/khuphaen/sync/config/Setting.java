package app.khuphaen.sync.config;

/**
 * Every setting, in one place: its name (the environment variable, and the key in the config file),
 * its default, and what it is for. {@link Settings} takes its defaults from here, {@code --help} and
 * {@code --check-config} print from here, and a test keeps the README's table in step with it.
 */
public enum Setting {
  PORT("3001", null,
      "HTTP and WebSocket port, bound on 0.0.0.0"),
  LOG_LEVEL("info", null,
      "trace, debug, info, warn, error or off"),
  LOG_FORMAT("text", null,
      "text, or json: one JSON object per line (timestamp, level, logger, message; room, peer, connection, node, client as fields)"),
  RUST_LOG(null, null,
      "old name of LOG_LEVEL (a level, or target=level directives); LOG_LEVEL wins"),
  ROOM_IDLE_TIMEOUT_SECONDS("3600", null,
      "how long a room may stay empty before it is swept with its document; 0 keeps rooms"),
  SWEEP_INTERVAL_SECONDS("60", null,
      "how often the idle sweep runs"),
  STORE("sqlite", "(postgres with DATABASE_URL)",
      "sqlite, postgres or memory (nothing kept)"),
  DATA_DIR("data", null,
      "where SQLite keeps khu-phaen.db"),
  DATABASE_URL(null, null,
      "postgres://user:password@host:port/database"),
  DOCUMENT_REVISIONS("10", null,
      "revisions kept per room's document"),
  DOCUMENT_WRITE_INTERVAL_MS("500", null,
      "least time between two writes of a room's document to the store; syncs in between coalesce (latest wins)"),
  MAX_MESSAGE_BYTES("4194304", null,
      "largest WebSocket message (over it: 1009)"),
  MAX_DATA_BYTES("1048576", null,
      "largest broadcast data"),
  MAX_METADATA_BYTES("4096", null,
      "largest join metadata"),
  MAX_NESTING_DEPTH("64", null,
      "deepest JSON nesting in a message"),
  MAX_PEERS_PER_ROOM("100", null,
      "peers in one room"),
  MAX_ROOMS("10000", null,
      "rooms on the server"),
  MAX_ROOMS_PER_IP("20", null,
      "live rooms one client address may have created"),
  UNUSED_ROOM_TIMEOUT_SECONDS("600", null,
      "how long a room nobody has ever joined is kept before it is swept"),
  LOOKUP_MISS_BURST("20", null,
      "lookups and joins of unknown room codes a client address may make before it must wait"),
  LOOKUP_MISS_MAX_WAIT_SECONDS("3600", null,
      "the longest such wait (each miss past the burst doubles it, from 1 s)"),
  STORE_MAX_BYTES("1073741824", null,
      "documents the store may keep in all; past it the oldest revisions go first"),
  REVISION_SPACING_SECONDS("10", null,
      "kept revisions are at least this far apart, each gap twice the one before"),
  ROOM_WRITE_BYTES_PER_SECOND("1048576", null,
      "document bytes one room may have written per second; syncs in between coalesce"),
  CLIENT_WRITE_BYTES_PER_SECOND("2097152", null,
      "document bytes one client address may have written per second, over all its rooms"),
  MAX_CONNECTIONS_PER_IP("50", null,
      "WebSockets per client address"),
  MAX_HTTP_CONNECTIONS_PER_IP("256", null,
      "plain HTTP connections per TCP address"),
  MESSAGE_RATE_PER_SECOND("1000", null,
      "messages per second per socket (token bucket refill)"),
  MESSAGE_BURST("2000", null,
      "token bucket size"),
  RATE_ABUSE_WINDOW_SECONDS("10", null,
      "MESSAGE_BURST refusals within this closes the socket (1008)"),
  MEMORY_LIMIT_BYTES(null, "(the container's memory limit, else 104857600)",
      "the memory the whole process may use: the JVM and the four budgets below are sized from it (docs/memory.md)"),
  OUTBOUND_QUEUE_BYTES("10485760", Setting.PLANNED,
      "what may wait for one slow receiver (over it: 1013)"),
  BUFFER_BUDGET_BYTES("10485760", Setting.PLANNED,
      "the frames being sent, each counted once however many receive it; past it the slowest receivers are closed (1013)"),
  DOCUMENT_MEMORY_BYTES("3145728", Setting.PLANNED,
      "documents kept in memory for late joiners"),
  INCOMING_BUFFER_BYTES("6291456", Setting.PLANNED,
      "what messages still arriving may hold together; past it, senders wait (at least MAX_MESSAGE_BYTES)"),
  MESSAGE_TIMEOUT_SECONDS("120", null,
      "a message must arrive whole within this once the server starts reading it (over it: 1008); its memory is held meanwhile"),
  WS_PING_INTERVAL_SECONDS("30", null,
      "how often every socket is pinged"),
  WS_IDLE_TIMEOUT_SECONDS("75", null,
      "a socket silent this long is closed (1001)"),
  WS_COMPRESSION("false", null,
      "offer per-message deflate"),
  HTTP_HEADER_TIMEOUT_SECONDS("10", null,
      "a new connection's request head must arrive within this"),
  HTTP_IDLE_TIMEOUT_SECONDS("60", null,
      "an idle HTTP connection is closed after this"),
  HOST_AUTH("off", null,
      "required: the host proves itself with the room's host_key"),
  PUBLIC_URL(null, null,
      "the server's public http(s) URL: websocket_url is built from it"),
  TRUSTED_PROXIES(null, null,
      "CIDR blocks whose X-Forwarded-For / -Proto are believed"),
  CORS_ORIGINS(null, "(any)",
      "allowed origins, comma-separated"),
  ADMIN_TOKEN(null, "(admin API and /status off)",
      "bearer token for /api/admin and the /status page; also opens /metrics"),
  METRICS_TOKEN(null, "(/metrics open)",
      "bearer token /metrics requires"),
  TLS_CERT_FILE(null, null,
      "PEM certificate chain and key: serve https and wss"),
  TLS_KEY_FILE(null, null,
      "PEM certificate chain and key: serve https and wss"),
  CLUSTER("false", null,
      "run as one node of a cluster (needs DATABASE_URL)"),
  CLUSTER_MEMBERS(null, "this node",
      "host:port,… of the cluster's nodes"),
  CLUSTER_HOST("127.0.0.1", null,
      "this node's address for cluster traffic"),
  CLUSTER_PORT("5701", null,
      "this node's Hazelcast port"),
  EVENTBUS_PORT("0", "(any free)",
      "this node's event-bus port"),
  CLUSTER_MULTICAST("false", null,
      "find members by multicast"),
  CLUSTER_KUBERNETES_SERVICE_DNS(null, null,
      "find members through a headless service's DNS name");

  /** The note of a default that the memory plan sizes: the value shown is the plan's for 100 MiB. */
  private static final String PLANNED = "(at 100 MiB; sized from MEMORY_LIMIT_BYTES)";

  private final String defaultValue;
  private final String defaultNote;
  private final String meaning;

  /**
   * @param defaultValue the value used when the setting is not given, or null when there is none
   * @param defaultNote what to add when showing the default (a computed one), or null
   */
  Setting(String defaultValue, String defaultNote, String meaning) {
    this.defaultValue = defaultValue;
    this.defaultNote = defaultNote;
    this.meaning = meaning;
  }

  /** The value used when the setting is not given; null when there is none. */
  public String defaultValue() {
    return defaultValue;
  }

  /** The default as shown to people: the value and, where it depends on something, how. */
  public String shownDefault() {
    String value = defaultValue == null ? "-" : defaultValue;
    if (defaultNote == null) {
      return value;
    }
    return defaultValue == null ? defaultNote : value + " " + defaultNote;
  }

  public String meaning() {
    return meaning;
  }

  /** Never shown (--check-config prints it redacted). */
  public boolean secret() {
    return this == ADMIN_TOKEN || this == METRICS_TOKEN;
  }

  long defaultLong() {
    return Long.parseLong(defaultValue);
  }
}
