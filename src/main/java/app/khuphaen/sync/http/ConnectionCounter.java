package app.khuphaen.sync.http;

import java.util.concurrent.atomic.AtomicInteger;

/** Open WebSocket connections on this node, in all and per client address (MAX_CONNECTIONS_PER_IP). */
public final class ConnectionCounter {
  private final AtomicInteger open = new AtomicInteger();
  private final AddressCounts perAddress;

  public ConnectionCounter(int maxPerAddress) {
    this.perAddress = new AddressCounts(maxPerAddress);
  }

  /** Counts a new connection from {@code ip}; false (and nothing counted) when that address is at its limit. */
  boolean tryOpen(String ip) {
    boolean allowed = perAddress.tryOpen(ip);
    if (allowed) {
      open.incrementAndGet();
    }
    return allowed;
  }

  void closed(String ip) {
    perAddress.closed(ip);
    open.decrementAndGet();
  }

  public int open() {
    return open.get();
  }
}
