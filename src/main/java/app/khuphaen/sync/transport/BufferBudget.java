package app.khuphaen.sync.transport;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The server-wide budget for what sockets hold in memory on its way out (BUFFER_BUDGET_BYTES): bytes
 * waiting to be sent to a client that is behind. Each {@link BudgetShare} charges what it holds and
 * refunds it as it drains. (Bytes of messages still arriving have a budget of their own,
 * {@link IncomingBudget}, which makes senders wait rather than closing anyone.)
 *
 * <p>A relayed frame is one buffer shared by every receiver of an event loop, but each of them
 * charges it: the sum of the charges can be many times the memory really held (a 2 MB document to
 * 20 receivers is 40 MB of charges for 2 MB of memory). So the sum only says when to look: when it
 * passes the budget and the direct memory really in use does too, the sockets holding the most
 * outgoing bytes (clients that do not read) are shed — closed with 1013 — until what they hold covers
 * the excess. Thread-safe: sockets of every event loop share it.
 */
public final class BufferBudget {
  private final long limit;
  private final LongSupplier memoryInUse;
  private final AtomicLong held = new AtomicLong();
  private final Set<BudgetShare> holders = ConcurrentHashMap.newKeySet();

  /** A budget against the direct memory the JVM reports in use. */
  public BufferBudget(long limit) {
    this(limit, BufferBudget::directMemoryInUse);
  }

  /** @param memoryInUse the memory really held, read when the charges pass the budget */
  BufferBudget(long limit, LongSupplier memoryInUse) {
    this.limit = limit;
    this.memoryInUse = memoryInUse;
  }

  /** The JVM's direct buffers in use (Netty's pooled and unpooled buffers are among them). */
  static long directMemoryInUse() {
    return DIRECT_POOL == null ? Long.MAX_VALUE : DIRECT_POOL.getMemoryUsed(); // unknown: go by the charges alone
  }

  private static final BufferPoolMXBean DIRECT_POOL = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)
      .stream().filter(pool -> "direct".equals(pool.getName())).findFirst().orElse(null);

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
      long inUse = memoryInUse.getAsLong();
      if (inUse > limit) {
        shed(Math.min(held.get(), inUse) - limit);
      }
    }
  }

  /** {@code socket} holds nothing any more (drained or closed). */
  void release(BudgetShare socket, long bytes) {
    holders.remove(socket);
    held.addAndGet(-bytes);
  }

  /**
   * Chooses whom to close: the biggest outgoing holders first. A socket already being shed counts as
   * freed, so concurrent calls do not close more than needed.
   */
  private void shed(long excess) {
    List<BudgetShare> candidates = new ArrayList<>();
    for (BudgetShare socket : holders) {
      if (socket.isShed()) {
        excess -= socket.heldBytes();
      } else {
        candidates.add(socket);
      }
    }
    candidates.sort(Comparator.comparingLong(BudgetShare::outgoingBytes).reversed());
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
