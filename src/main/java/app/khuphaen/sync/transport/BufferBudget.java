package app.khuphaen.sync.transport;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The server-wide budget for what sockets hold in memory on its way out (BUFFER_BUDGET_BYTES). Two
 * sums: the memory of the frames being sent, each counted once however many receivers share it
 * ({@link SharedFrame#chargeOnce}, given back when the frame is released), and each socket's charge
 * for what waits to be sent to it ({@link BudgetShare}; a shared frame counts in every socket it
 * waits for). The second sum says when to look (a 2 MB document to 20 receivers is 40 MB of charges
 * for 2 MB of memory); the first says whether memory is really spent: when both pass the budget, the
 * sockets holding the most (clients that do not read) are shed — closed with 1013 — until what they
 * hold covers the excess. (Bytes of messages still arriving have a budget of their own,
 * {@link IncomingBudget}, which makes senders wait rather than closing anyone.) Thread-safe: sockets
 * of every event loop share it.
 */
public final class BufferBudget {
  private final long limit;
  private final LongSupplier memoryInUse;
  private final AtomicLong held = new AtomicLong();
  private final Set<BudgetShare> holders = ConcurrentHashMap.newKeySet();

  private final AtomicLong framesHeld = new AtomicLong();

  /** A budget against the memory of the frames being sent, each counted once. */
  public BufferBudget(long limit) {
    this.limit = limit;
    this.memoryInUse = framesHeld::get;
  }

  /** @param memoryInUse the memory really held, read when the charges pass the budget */
  BufferBudget(long limit, LongSupplier memoryInUse) {
    this.limit = limit;
    this.memoryInUse = memoryInUse;
  }

  /** Frames of {@code bytes} more (fewer, when negative) are being sent. */
  void framesHeld(long bytes) {
    framesHeld.addAndGet(bytes);
  }

  /** The memory of the frames being sent now, each counted once. */
  public long framesHeld() {
    return framesHeld.get();
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
    candidates.sort(Comparator.comparingLong(BudgetShare::heldBytes).reversed());
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
