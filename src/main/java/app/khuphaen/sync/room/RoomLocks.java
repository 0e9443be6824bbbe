package app.khuphaen.sync.room;

import io.vertx.core.Future;
import io.vertx.core.shareddata.SharedData;

import java.util.function.Supplier;

/**
 * Each room's lock. Every membership change of a room, and its removal, runs under it, so presence and
 * the peer_joined / peer_left events that announce it stay in the same order everywhere.
 */
final class RoomLocks {
  private static final long LOCK_TIMEOUT_MS = 10_000;

  private final SharedData sharedData;

  RoomLocks(SharedData sharedData) {
    this.sharedData = sharedData;
  }

  /**
   * Runs {@code action} holding the room's lock. Hazelcast's locks belong to a thread, and Vert.x takes
   * them on its worker threads: two requests of this node that meet on one worker would both get the
   * lock. So each node first lets one of its own requests at a time ask for the cluster's lock.
   */
  <T> Future<T> withRoomLock(String code, Supplier<Future<T>> action) {
    return sharedData.withLocalLock("kp.node-lock." + code, LOCK_TIMEOUT_MS,
        () -> sharedData.withLock("kp.lock." + code, LOCK_TIMEOUT_MS, action));
  }
}
