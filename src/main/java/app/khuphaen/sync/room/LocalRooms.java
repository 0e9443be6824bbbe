package app.khuphaen.sync.room;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The rooms with sockets on this node: each event loop's {@link LocalFanout} subscribes once to a
 * room it has members of, so a room counts once however many loops have its sockets. Thread-safe;
 * touched only when a loop gains its first or loses its last member of a room.
 */
final class LocalRooms {
  private final Map<String, Integer> loopsByRoom = new ConcurrentHashMap<>();
  private final AtomicInteger subscriptions = new AtomicInteger();

  void subscribed(String code) {
    subscriptions.incrementAndGet();
    loopsByRoom.merge(code, 1, Integer::sum);
  }

  void unsubscribed(String code) {
    subscriptions.decrementAndGet();
    loopsByRoom.computeIfPresent(code, (k, loops) -> loops == 1 ? null : loops - 1);
  }

  /** Room subscriptions over all event loops (/health's "subscriptions"). */
  int subscriptions() {
    return subscriptions.get();
  }

  /** Rooms with at least one socket on this node. */
  int rooms() {
    return loopsByRoom.size();
  }
}
