package app.khuphaen.sync.transport;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server-wide budget for what sockets hold in memory (BUFFER_BUDGET_BYTES): bytes waiting to be
 * sent to a client that is behind, and bytes of a message still arriving from one. Each
 * {@link BudgetShare} charges what it holds and refunds it as it drains. When the total passes the
 * budget, the sockets holding the most outgoing bytes (clients that do not read) are shed — closed
 * with 1013 — until what they hold covers the excess; a client's incoming message is shed only when
 * no reader is behind, so an honest sender goes last. Thread-safe: sockets of every event loop share it.
 */
public final class BufferBudget {
  private final long limit;
  private final AtomicLong held = new AtomicLong();
  private final Set<BudgetShare> holders = ConcurrentHashMap.newKeySet();

  public BufferBudget(long limit) {
    this.limit = limit;
  }

  public long limit() {
    return limit;
  }

  /** What all sockets hold now. */
  public long held() {
    return held.get();
  }

  /** {@code socket} holds {@code delta} bytes more (or fewer, when negative). */
  void adjust(BudgetShare socket, long delta) {
    if (delta > 0) {
      holders.add(socket);
    }
    if (held.addAndGet(delta) > limit && delta > 0) {
      shed();
    }
  }

  /** {@code socket} holds nothing any more (drained or closed). */
  void release(BudgetShare socket, long bytes) {
    holders.remove(socket);
    held.addAndGet(-bytes);
  }

  /**
   * Chooses whom to close: the biggest outgoing holders first, then the biggest incoming ones. A
   * socket already being shed counts as freed, so concurrent calls do not close more than needed.
   */
  private void shed() {
    long excess = held.get() - limit;
    List<BudgetShare> candidates = new ArrayList<>();
    for (BudgetShare socket : holders) {
      if (socket.isShed()) {
        excess -= socket.heldBytes();
      } else {
        candidates.add(socket);
      }
    }
    candidates.sort(Comparator.comparingLong(BudgetShare::outgoingBytes).reversed()
        .thenComparing(Comparator.comparingLong(BudgetShare::heldBytes).reversed()));
    for (BudgetShare socket : candidates) {
      if (excess <= 0) {
        return;
      }
      if (socket.shed()) {
        excess -= socket.heldBytes();
      }
    }
  }
}
