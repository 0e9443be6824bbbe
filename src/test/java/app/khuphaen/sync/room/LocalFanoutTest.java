package app.khuphaen.sync.room;

import app.khuphaen.sync.metrics.ServerMetrics;
import app.khuphaen.sync.store.DocumentWriter;
import app.khuphaen.sync.store.MemoryRoomStore;
import app.khuphaen.sync.store.StoreHealth;
import app.khuphaen.sync.support.Await;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One event loop's members of a room: one consumer of the room's address however many members,
 * every event to each of them as one shared frame, and nothing left once the last member goes.
 */
class LocalFanoutTest {
  private final Vertx vertx = Vertx.vertx();
  private final LocalRooms localRooms = new LocalRooms();
  private final BlockingQueue<String> delivered = new LinkedBlockingQueue<>();

  @AfterEach
  void close() {
    Await.result(vertx.close());
  }

  private RoomMember member(String name) {
    return (event, frame) -> delivered.add(name + ": " + frame.plain().toString(StandardCharsets.UTF_8).substring(2));
  }

  @Test
  void membersShareOneConsumerEachEventReachesAllOfThemAndTheLastLeaveUnsubscribes() throws Exception {
    RoomEventCodec.register(vertx.eventBus());
    Documents documents = Await.result(Documents.start(vertx, new MemoryRoomStore(10),
        new DocumentWriter(vertx, new MemoryRoomStore(10), new StoreHealth(ServerMetrics.detached()), ServerMetrics.detached(), Duration.ZERO), "n1", () -> List.of("n1"), 1 << 20));
    Context loop = vertx.getOrCreateContext();
    LocalFanout fanout = new LocalFanout(vertx, documents, localRooms);
    RoomMember a = member("a");
    RoomMember b = member("b");
    Await.result(onLoop(loop, () -> fanout.add("ROOM01", a)));
    Await.result(onLoop(loop, () -> fanout.add("ROOM01", b)));
    assertThat(localRooms.subscriptions()).isEqualTo(1);
    assertThat(localRooms.rooms()).isEqualTo(1);

    vertx.eventBus().publish(NodeBus.roomAddress("ROOM01"), RoomEvent.data("ROOM01", "x", "hello".getBytes(StandardCharsets.UTF_8)),
        new DeliveryOptions().setLocalOnly(true));
    assertThat(List.of(next(), next())).containsExactlyInAnyOrder("a: hello", "b: hello");

    assertThat(Await.result(onLoop(loop, () -> Future.succeededFuture(fanout.remove("ROOM01", a))))).isTrue();
    assertThat(localRooms.subscriptions()).isEqualTo(1);
    assertThat(localRooms.rooms()).isEqualTo(1);
    assertThat(Await.result(onLoop(loop, () -> Future.succeededFuture(fanout.remove("ROOM01", b))))).isTrue();
    assertThat(localRooms.subscriptions()).isZero();
    assertThat(localRooms.rooms()).isZero();
    assertThat(Await.result(onLoop(loop, () -> Future.succeededFuture(fanout.remove("ROOM01", b))))).isFalse();
  }

  private String next() throws InterruptedException {
    String message = delivered.poll(10, TimeUnit.SECONDS);
    assertThat(message).as("a delivery within 10 s").isNotNull();
    return message;
  }

  /** LocalFanout belongs to one event loop: run {@code action} there. */
  private static <T> Future<T> onLoop(Context loop, Supplier<Future<T>> action) {
    Promise<T> done = Promise.promise();
    loop.runOnContext(v -> action.get().onComplete(done));
    return done.future();
  }
}
