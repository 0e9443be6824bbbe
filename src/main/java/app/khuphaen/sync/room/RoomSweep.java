package app.khuphaen.sync.room;

import static net.logstash.logback.argument.StructuredArguments.kv;

import app.khuphaen.sync.cluster.Membership;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Removes rooms that stayed empty too long. Every node sweeps, but each room goes once: under the
 * room's lock, after checking again that it is still idle; never from a node cut off from its cluster.
 */
final class RoomSweep {
  private static final Logger log = LoggerFactory.getLogger(RoomSweep.class);

  private final RoomRegistry registry;
  private final RoomDirectory directory;
  private final RoomLocks locks;
  private final Membership membership;

  RoomSweep(RoomRegistry registry, RoomDirectory directory, RoomLocks locks, Membership membership) {
    this.registry = registry;
    this.directory = directory;
    this.locks = locks;
    this.membership = membership;
  }

  /**
   * Removes every room empty for at least {@code idleSeconds}, or, nobody having ever joined it, for
   * {@code unusedSeconds}; answers how many went.
   */
  Future<Integer> sweep(long idleSeconds, long unusedSeconds) {
    if (membership.separated()) {
      return Future.succeededFuture(0); // this node's view of the rooms may be stale
    }
    Instant now = Instant.now();
    return registry.all().compose(rooms -> {
      List<Future<Boolean>> removals = rooms.stream()
          .filter(room -> room.sweepable(idleSeconds, unusedSeconds, now))
          .map(room -> removeIfIdle(room.code(), idleSeconds, unusedSeconds, now))
          .toList();
      return Future.all(removals).map(all -> (int) removals.stream().filter(Future::result).count());
    });
  }

  private Future<Boolean> removeIfIdle(String code, long idleSeconds, long unusedSeconds, Instant now) {
    return locks.withRoomLock(code, () -> registry.get(code).compose(room -> {
      if (room == null || !room.sweepable(idleSeconds, unusedSeconds, now)) {
        return Future.succeededFuture(false); // gone already, or someone joined meanwhile
      }
      long after = Duration.between(room.emptySince(), now).toSeconds();
      return directory.remove(code)
          .onSuccess(v -> log.info("{} removed after {} s empty{}", kv("room", code), after, room.used() ? "" : ", never joined"))
          .map(true);
    }));
  }
}
