package app.khuphaen.sync.http;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Open plain HTTP connections per TCP peer address (MAX_HTTP_CONNECTIONS_PER_IP), counted from the
 * moment a connection is accepted — before any request, so that connections that never send one are
 * bounded too. A connection leaves the count when it closes or becomes a WebSocket (those count under
 * MAX_CONNECTIONS_PER_IP instead). Trusted proxies are not capped: many clients share their address.
 */
public final class HttpConnectionLimiter {
  private final Map<String, Integer> perAddress = new ConcurrentHashMap<>();
  private final int maxPerAddress;
  private final ClientAddress clientAddress;

  public HttpConnectionLimiter(int maxPerAddress, ClientAddress clientAddress) {
    this.maxPerAddress = maxPerAddress;
    this.clientAddress = clientAddress;
  }

  /** Counts a new connection from {@code ip}; false (nothing counted) when that address is at its cap. */
  boolean tryOpen(String ip) {
    if (clientAddress.isTrustedProxy(ip)) {
      return true;
    }
    boolean[] allowed = {false};
    perAddress.compute(ip, (k, n) -> {
      int current = n == null ? 0 : n;
      allowed[0] = current < maxPerAddress;
      return allowed[0] ? current + 1 : n;
    });
    return allowed[0];
  }

  void closed(String ip) {
    if (!clientAddress.isTrustedProxy(ip)) {
      perAddress.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
    }
  }

  /** Open plain HTTP connections from {@code ip} (for tests and the status page). */
  public int open(String ip) {
    return perAddress.getOrDefault(ip, 0);
  }
}
