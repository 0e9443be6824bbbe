package app.khuphaen.sync.http;

import java.util.concurrent.atomic.AtomicInteger;

/** Open WebSocket connections on this node, for /health. */
public final class ConnectionCounter {
  private final AtomicInteger open = new AtomicInteger();

  void opened() {
    open.incrementAndGet();
  }

  void closed() {
    open.decrementAndGet();
  }

  public int open() {
    return open.get();
  }
}
