package app.khuphaen.sync.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The server's own meters, {@code kp_*} in Prometheus, on the node's registry (next to what Vert.x,
 * Netty and the JVM report there: {@link Instrumentation}). Every label is one of a fixed set
 * (an enum here, or a close code): never a room code, peer id or address. Thread-safe.
 */
public final class ServerMetrics {

  /** What a client message asked for; {@code INVALID} for a frame refused before it was understood. */
  public enum Action { JOIN, BROADCAST, SYNC_DOCUMENT, REQUEST_SYNC, LEAVE, PING, INVALID }

  /** The type of a server message written to a socket. */
  public enum Frame { DATA, DOCUMENT_SYNC, PEER_JOINED, PEER_LEFT, ROOM_INFO, CONNECTED, ERROR, PONG }

  /** Why something a client asked for was refused. */
  public enum Refusal {
    RATE_LIMITED, TOO_LARGE, ROOM_FULL, ROOM_NOT_FOUND, NOT_IN_ROOM, HOST_ONLY, TOO_MANY_CONNECTIONS,
    INVALID_HOST_KEY, ROOM_LIMIT, STORAGE_UNAVAILABLE, ROOMS_PER_ADDRESS, STORAGE_FULL, TOO_MANY_MISSES
  }

  private final MeterRegistry registry;
  private final Counter[] received;
  private final Counter[] delivered;
  private final Counter[] refusals;
  private final Map<Integer, Counter> closes = new ConcurrentHashMap<>();
  private final AtomicInteger connections = new AtomicInteger();
  private final Timer storeWrites;
  private final Counter storeErrors;

  public ServerMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.received = counters("kp.messages.received", "client messages by action ('invalid': refused unread)",
        "action", Action.values());
    this.delivered = counters("kp.messages.delivered", "server messages written to sockets, by type",
        "type", Frame.values());
    this.refusals = counters("kp.refusals", "requests refused, by reason", "reason", Refusal.values());
    Gauge.builder("kp.connections", connections, AtomicInteger::get)
        .description("open WebSockets").register(registry);
    this.storeWrites = Timer.builder("kp.store.write")
        .description("a document sync from entering the write queue to committed")
        .publishPercentileHistogram()
        .minimumExpectedValue(java.time.Duration.ofMillis(1))
        .maximumExpectedValue(java.time.Duration.ofSeconds(30))
        .register(registry);
    this.storeErrors = Counter.builder("kp.store.errors").description("failed store operations").register(registry);
  }

  /** Meters kept in memory only: for tests and tools that run parts of the server without a node. */
  public static ServerMetrics detached() {
    return new ServerMetrics(new SimpleMeterRegistry());
  }

  public MeterRegistry registry() {
    return registry;
  }

  public void received(Action action) {
    received[action.ordinal()].increment();
  }

  public void delivered(Frame frame) {
    delivered[frame.ordinal()].increment();
  }

  public void refused(Refusal reason) {
    refusals[reason.ordinal()].increment();
  }

  public void connectionOpened() {
    connections.incrementAndGet();
  }

  /**
   * A WebSocket closed with {@code code} (1006 when the connection ended without a close frame). A
   * client may close with any code: those outside the standard ones and 4000-4099 count as "other",
   * so no client can add series without bound.
   */
  public void connectionClosed(int code) {
    connections.decrementAndGet();
    int key = code >= 1000 && code <= 1015 || code >= 4000 && code <= 4099 ? code : 0;
    closes.computeIfAbsent(key, c -> Counter.builder("kp.websocket.closes")
        .description("WebSockets closed, by close code").tag("code", c == 0 ? "other" : Integer.toString(c))
        .register(registry))
        .increment();
  }

  /** A document stored {@code nanos} after its sync entered the write queue. */
  public void documentStored(long nanos) {
    storeWrites.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void storeFailed() {
    storeErrors.increment();
  }

  /** A gauge read from {@code value} at each scrape (room counts, queued writes, cluster members). */
  public void gauge(String name, String description, Supplier<Number> value) {
    Gauge.builder(name, value).description(description).register(registry);
  }

  private Counter[] counters(String name, String description, String tag, Enum<?>[] values) {
    Counter[] counters = new Counter[values.length];
    for (Enum<?> value : values) {
      counters[value.ordinal()] = Counter.builder(name).description(description)
          .tag(tag, value.name().toLowerCase(Locale.ROOT)).register(registry);
    }
    return counters;
  }
}
