package app.khuphaen.sync.transport;

import java.util.ArrayDeque;

/**
 * The server-wide budget for the bytes of messages still arriving (INCOMING_BUFFER_BYTES). A socket
 * reserves what a message will hold before it reads the message's payload; when the budget has no
 * room, the socket stops reading until it has ({@link InboundFrames}): TCP pushes back on its
 * sender, and no message within MAX_MESSAGE_BYTES is refused for want of memory. A reservation is for
 * the whole message (or the most it may hold), so a message that has started always finishes: no two
 * half-read messages can wait on each other. Waiters are served in order of arrival; a large message
 * at the head holds back smaller ones behind it, so it cannot starve.
 *
 * <p>Thread-safe: the sockets of every event loop share it. A waiter's callback runs on the thread
 * that freed the room; the waiter hands it to its own event loop.
 */
public final class IncomingBudget {
  /** Told when a reservation that had to wait is granted; it holds the reservation from then on. */
  interface Waiter {
    void granted();
  }

  private record Waiting(long bytes, Waiter waiter) {}

  private final long limit;
  private long reserved; // guarded by this
  private final ArrayDeque<Waiting> queue = new ArrayDeque<>(); // guarded by this

  public IncomingBudget(long limit) {
    this.limit = limit;
  }

  /** Shows the budget as gauges: bytes reserved, sockets waiting for room. */
  public void register(app.khuphaen.sync.metrics.ServerMetrics metrics) {
    metrics.gauge("kp.incoming.reserved.bytes", "bytes messages hold of INCOMING_BUFFER_BYTES", this::reserved);
    metrics.gauge("kp.incoming.waiting", "sockets whose sender waits for room in INCOMING_BUFFER_BYTES", this::waiting);
  }

  public long limit() {
    return limit;
  }

  /** Bytes reserved now. */
  public synchronized long reserved() {
    return reserved;
  }

  /** Sockets waiting for room now. */
  public synchronized int waiting() {
    return queue.size();
  }

  /**
   * Reserves {@code bytes} (at most the limit) at once and answers true, or answers false and
   * queues the reservation: {@code waiter} is told once it is granted.
   */
  boolean reserve(long bytes, Waiter waiter) {
    if (bytes > limit) {
      throw new IllegalArgumentException(bytes + " bytes is more than the whole budget of " + limit);
    }
    synchronized (this) {
      if (queue.isEmpty() && reserved + bytes <= limit) {
        reserved += bytes;
        return true;
      }
      queue.add(new Waiting(bytes, waiter));
      return false;
    }
  }

  /** Withdraws a reservation still waiting (its socket went); false if it was granted meanwhile. */
  synchronized boolean withdraw(Waiter waiter) {
    return queue.removeIf(w -> w.waiter() == waiter);
  }

  /** Returns {@code bytes} of a reservation; grants, in order, what now fits. */
  void free(long bytes) {
    if (bytes == 0) {
      return;
    }
    ArrayDeque<Waiter> granted = new ArrayDeque<>();
    synchronized (this) {
      reserved -= bytes;
      if (reserved < 0) {
        throw new IllegalStateException("freed more than was reserved");
      }
      while (!queue.isEmpty() && reserved + queue.peek().bytes() <= limit) {
        Waiting next = queue.poll();
        reserved += next.bytes();
        granted.add(next.waiter());
      }
    }
    granted.forEach(Waiter::granted);
  }
}
