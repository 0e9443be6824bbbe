package app.khuphaen.sync.room;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every {@code intervalSeconds}, removes rooms that have been empty for {@code idleSeconds}, and rooms
 * nobody ever joined that have been so for {@code unusedSeconds} (either 0: not on that account).
 */
public final class IdleSweeper extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(IdleSweeper.class);

  private final RoomService rooms;
  private final long idleSeconds;
  private final long unusedSeconds;
  private final long intervalSeconds;
  private boolean sweeping;

  public IdleSweeper(RoomService rooms, long idleSeconds, long unusedSeconds, long intervalSeconds) {
    this.rooms = rooms;
    this.idleSeconds = idleSeconds;
    this.unusedSeconds = unusedSeconds;
    this.intervalSeconds = intervalSeconds;
  }

  @Override
  public Future<?> start() {
    if (idleSeconds > 0 || unusedSeconds > 0) {
      vertx.setPeriodic(intervalSeconds * 1000, id -> sweep());
    }
    return Future.succeededFuture();
  }

  private void sweep() {
    if (sweeping) {
      return; // the previous sweep is still running
    }
    sweeping = true;
    rooms.sweep(idleSeconds, unusedSeconds)
        .onSuccess(v -> log.debug("idle sweep done"))
        .onFailure(err -> log.warn("idle sweep failed: {}", err.toString()))
        .onComplete(ar -> sweeping = false);
  }
}
