package app.khuphaen.sync.store;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How many document bytes the store may be made to write per second: per room and per client
 * address, so that one client cannot make the server write without bound however often it syncs
 * (the write-behind coalesces what waits: latest wins). A write of {@code n} bytes pushes the next
 * write of its room back by {@code n / roomRate} and the next of its client by
 * {@code n / clientRate}; a write may start once both have come (virtual scheduling, without a burst:
 * after a quiet spell the first write starts at once). Thread-safe.
 */
final class WriteRates {
  /** Past this many schedules, those already due are dropped (they hold nothing back any more). */
  private static final int TIDY_ABOVE = 4096;

  private final double roomNanosPerByte;
  private final double clientNanosPerByte;
  private final Map<String, Long> roomDue = new ConcurrentHashMap<>();
  private final Map<String, Long> clientDue = new ConcurrentHashMap<>();

  /** Unbounded: every write may start at once. */
  static WriteRates unlimited() {
    return new WriteRates(Long.MAX_VALUE, Long.MAX_VALUE);
  }

  WriteRates(long roomBytesPerSecond, long clientBytesPerSecond) {
    this.roomNanosPerByte = 1e9 / roomBytesPerSecond;
    this.clientNanosPerByte = 1e9 / clientBytesPerSecond;
  }

  /** How long (from {@code now}, as {@link System#nanoTime()}) the next write of {@code room} by {@code client} must wait. */
  long waitNanos(String room, String client, long now) {
    long forRoom = wait(roomDue.get(room), now);
    long forClient = client == null ? 0 : wait(clientDue.get(client), now);
    return Math.max(0, Math.max(forRoom, forClient));
  }

  private static long wait(Long due, long now) {
    return due == null ? 0 : due - now;
  }

  /** A write of {@code bytes} of {@code room} by {@code client} starts at {@code now}. */
  void started(String room, String client, long bytes, long now) {
    push(roomDue, room, (long) (bytes * roomNanosPerByte), now);
    if (client != null) {
      push(clientDue, client, (long) (bytes * clientNanosPerByte), now);
    }
  }

  private static void push(Map<String, Long> due, String key, long cost, long now) {
    due.merge(key, now + cost, (before, fresh) -> Math.max(before, now) + cost);
    if (due.size() > TIDY_ABOVE) {
      due.values().removeIf(at -> at - now <= 0);
    }
  }
}
