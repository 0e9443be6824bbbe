package app.khuphaen.sync.http;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Open WebSocket connections on this node, in all and per client address (MAX_CONNECTIONS_PER_IP). */
public final class ConnectionCounter {
  private final AtomicInteger open = new AtomicInteger();
  private final Map<String, Integer> perAddress = new ConcurrentHashMap<>();
  private final int maxPerAddress;

  public ConnectionCounter(int maxPerAddress) {
    this.maxPerAddress = maxPerAddress;
  }

  /** Counts a new connection from {@code ip}; false (and nothing counted) when that address is at its limit. */
  boolean tryOpen(String ip) {
    boolean[] allowed = {false};
    perAddress.compute(ip, (k, n) -> {
      int current = n == null ? 0 : n;
      allowed[0] = current < maxPerAddress;
      return allowed[0] ? current + 1 : (n == null ? null : n);
    });
    if (allowed[0]) {
      open.incrementAndGet();
    }
    return allowed[0];
  }

  void closed(String ip) {
    perAddress.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
    open.decrementAndGet();
  }

  public int open() {
    return open.get();
  }
}
