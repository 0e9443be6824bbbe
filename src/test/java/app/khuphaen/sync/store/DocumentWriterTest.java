package app.khuphaen.sync.store;

import app.khuphaen.sync.metrics.ServerMetrics;
import app.khuphaen.sync.model.DocumentState;
import app.khuphaen.sync.model.JsonString;
import app.khuphaen.sync.model.Reservation;
import app.khuphaen.sync.model.RoomRecord;
import app.khuphaen.sync.support.Await;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The write-behind writer alone, over a store whose writes the test completes: one write in flight
 * per room, later syncs coalescing into the next write (latest wins), the least interval between a
 * room's writes, retries after a failure, and what is still unwritten.
 */
class DocumentWriterTest {
  private final Vertx vertx = Vertx.vertx();
  private final GatedStore store = new GatedStore();
  private final ServerMetrics metrics = ServerMetrics.detached();
  private final StoreHealth health = new StoreHealth(metrics);
  private final DocumentWriter writer = new DocumentWriter(vertx, store, health, metrics, Duration.ZERO);

  @AfterEach
  void close() {
    Await.result(vertx.close());
  }

  @Test
  void syncsArrivingDuringAWriteCoalesceIntoOneNextWriteOfTheLatest() throws Exception {
    writer.submit("ROOM01", JsonString.of("a"), "host", 1);
    Write first = store.nextWrite();
    assertThat(first.document).isEqualTo("a");
    writer.submit("ROOM01", JsonString.of("b"), "host", 2);
    writer.submit("ROOM01", JsonString.of("c"), "host", 3);
    assertThat(writer.unwritten("ROOM01")).isEqualTo(new DocumentState(JsonString.of("c"), 3));
    first.done.complete(new SaveOutcome.Stored(1));
    Write second = store.nextWrite();
    assertThat(second.document).isEqualTo("c"); // "b" was never written
    second.done.complete(new SaveOutcome.Stored(2));
    Await.result(writer.idle());
    assertThat(writer.unwritten("ROOM01")).isNull();
    assertThat(writer.queued()).isZero();
    assertThat(store.writes).isEmpty();
    // only what reached the store is timed: two writes, "b" never was
    assertThat(metrics.registry().get("kp.store.write").timer().count()).isEqualTo(2);
    assertThat(metrics.registry().get("kp.store.queued.writes").gauge().value()).isZero();
  }

  @Test
  void aRoomsNextWriteWaitsOutTheIntervalSinceItsLastOneStartedAndTakesTheLatest() throws Exception {
    DocumentWriter spaced = new DocumentWriter(vertx, store, health, metrics, Duration.ofMillis(300));
    long firstSubmitted = System.nanoTime();
    spaced.submit("ROOM05", JsonString.of("a"), "host", 1);
    store.nextWrite().done.complete(new SaveOutcome.Stored(1)); // the first after a quiet spell: at once
    spaced.submit("ROOM05", JsonString.of("b"), "host", 2);
    spaced.submit("ROOM05", JsonString.of("c"), "host", 3);
    assertThat(spaced.unwritten("ROOM05")).isEqualTo(new DocumentState(JsonString.of("c"), 3));
    assertThat(spaced.queued()).isEqualTo(1);
    Write second = store.nextWrite();
    assertThat(System.nanoTime() - firstSubmitted).isGreaterThanOrEqualTo(Duration.ofMillis(300).toNanos());
    assertThat(second.document).isEqualTo("c");
    second.done.complete(new SaveOutcome.Stored(2));
    Await.result(spaced.idle());
    assertThat(spaced.unwritten("ROOM05")).isNull();
  }

  @Test
  void aRestingRoomHoldsUpNoOtherRoomAndIdleWritesItsLatestAtOnce() throws Exception {
    DocumentWriter spaced = new DocumentWriter(vertx, store, health, metrics, Duration.ofHours(1));
    spaced.submit("ROOM06", JsonString.of("a"), "host", 1);
    store.nextWrite().done.complete(new SaveOutcome.Stored(1));
    spaced.submit("ROOM06", JsonString.of("b"), "host", 2); // resting for an hour: not written yet
    assertThat(store.writes).isEmpty();
    assertThat(spaced.unwritten("ROOM06")).isEqualTo(new DocumentState(JsonString.of("b"), 2));

    spaced.submit("ROOM07", JsonString.of("x"), "host", 1);
    Write other = store.nextWrite();
    assertThat(other.code).isEqualTo("ROOM07");
    other.done.complete(new SaveOutcome.Stored(1));

    Future<Void> idle = spaced.idle(); // as at shutdown: no waiting out the hour
    Write hurried = store.nextWrite();
    assertThat(hurried.code).isEqualTo("ROOM06");
    assertThat(hurried.document).isEqualTo("b");
    hurried.done.complete(new SaveOutcome.Stored(2));
    Await.result(idle);
    assertThat(spaced.queued()).isZero();
    assertThat(spaced.unwritten("ROOM06")).isNull();
  }

  @Test
  void aRoomsWritesKeepWithinItsByteRateAndWhatWaitsCoalesces() throws Exception {
    DocumentWriter limited = new DocumentWriter(vertx, store, health, metrics, Duration.ZERO, 1_000, 1_000_000);
    String big = "x".repeat(400); // 400 bytes at 1,000 bytes a second: the next write 400 ms later
    long started = System.nanoTime();
    limited.submit("RATE01", JsonString.of(big), "host", "10.0.0.1", 1, Reservation.NONE);
    store.nextWrite().done.complete(new SaveOutcome.Stored(1)); // after a quiet spell: at once
    limited.submit("RATE01", JsonString.of(big + "b"), "host", "10.0.0.1", 2, Reservation.NONE);
    limited.submit("RATE01", JsonString.of(big + "c"), "host", "10.0.0.1", 3, Reservation.NONE);
    Write next = store.nextWrite();
    assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo(Duration.ofMillis(400).toNanos());
    assertThat(next.document).isEqualTo(big + "c"); // "b" was never written
    next.done.complete(new SaveOutcome.Stored(2));
    Await.result(limited.idle());
    assertThat(store.writes).isEmpty();
  }

  @Test
  void aClientsWritesOverAllItsRoomsKeepWithinItsByteRateAndHoldUpNoOtherClient() throws Exception {
    DocumentWriter limited = new DocumentWriter(vertx, store, health, metrics, Duration.ZERO, 1_000_000, 1_000);
    String big = "x".repeat(1500); // 1.5 s of the client's budget: the other client's write comes well within it
    long started = System.nanoTime();
    limited.submit("MINE01", JsonString.of(big), "host", "10.0.0.1", 1, Reservation.NONE);
    store.nextWrite().done.complete(new SaveOutcome.Stored(1));
    limited.submit("MINE02", JsonString.of(big), "host", "10.0.0.1", 1, Reservation.NONE); // another room of the same client: waits
    limited.submit("YOURS1", JsonString.of(big), "host", "10.0.0.2", 1, Reservation.NONE); // another client: at once
    Write other = store.nextWrite();
    assertThat(other.code).isEqualTo("YOURS1");
    assertThat(System.nanoTime() - started).isLessThan(Duration.ofMillis(1500).toNanos());
    other.done.complete(new SaveOutcome.Stored(1));
    Write mine = store.nextWrite();
    assertThat(mine.code).isEqualTo("MINE02");
    assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo(Duration.ofMillis(1500).toNanos());
    mine.done.complete(new SaveOutcome.Stored(1));
    Await.result(limited.idle());
  }

  @Test
  void shutdownWritesWhatWaitsForItsRateAtOnce() throws Exception {
    DocumentWriter limited = new DocumentWriter(vertx, store, health, metrics, Duration.ZERO, 1024, 1024);
    limited.submit("RATE02", JsonString.of("x".repeat(100_000)), "host", "10.0.0.1", 1, Reservation.NONE); // ~100 s of budget
    store.nextWrite().done.complete(new SaveOutcome.Stored(1));
    limited.submit("RATE02", JsonString.of("last"), "host", "10.0.0.1", 2, Reservation.NONE);
    Future<Void> idle = limited.idle();
    Write last = store.nextWrite();
    assertThat(last.document).isEqualTo("last");
    last.done.complete(new SaveOutcome.Stored(2));
    Await.result(idle);
  }

  @Test
  void aFullStoreIsRetriedWithoutMakingTheStoreUnhealthy() throws Exception {
    writer.submit("FULL01", JsonString.of("a"), "host", 1);
    store.nextWrite().done.complete(SaveOutcome.STORE_FULL);
    Write retry = store.nextWrite(); // after a back-off
    assertThat(retry.document).isEqualTo("a");
    assertThat(health.problem()).isNull();
    assertThat(writer.unwritten("FULL01")).isEqualTo(new DocumentState(JsonString.of("a"), 1));
    retry.done.complete(new SaveOutcome.Stored(1));
    Await.result(writer.idle());
    assertThat(metrics.registry().get("kp.refusals").tag("reason", "storage_full").counter().count()).isEqualTo(1);
  }

  @Test
  void aFailedWriteIsRetriedUnlessSomethingNewerArrivedAndTheStoreShowsUnhealthyMeanwhile() throws Exception {
    writer.submit("ROOM02", JsonString.of("a"), "host", 1);
    store.nextWrite().done.fail(new IllegalStateException("disk full"));
    Write retry = store.nextWrite(); // after the first back-off
    assertThat(retry.document).isEqualTo("a");
    assertThat(health.problem()).contains("disk full");
    writer.submit("ROOM02", JsonString.of("b"), "host", 2);
    retry.done.fail(new IllegalStateException("still full"));
    Write newer = store.nextWrite();
    assertThat(newer.document).isEqualTo("b"); // the newer one is retried, not the old one
    newer.done.complete(new SaveOutcome.Stored(1));
    Await.result(writer.idle());
    assertThat(health.problem()).isNull();
    assertThat(metrics.registry().get("kp.store.errors").counter().count()).isEqualTo(2);
    assertThat(metrics.registry().get("kp.store.write").timer().count()).isEqualTo(1);
  }

  @Test
  void aForgottenRoomIsNotWrittenAgainAndRoomsDoNotWaitForEachOther() throws Exception {
    writer.submit("ROOM03", JsonString.of("a"), "host", 1);
    writer.submit("ROOM04", JsonString.of("x"), "host", 1);
    List<String> rooms = new ArrayList<>(List.of(store.nextWrite().code, store.nextWrite().code));
    assertThat(rooms).containsExactlyInAnyOrder("ROOM03", "ROOM04"); // both in flight at once
    writer.submit("ROOM03", JsonString.of("b"), "host", 2);
    writer.forget("ROOM03");
    assertThat(writer.unwritten("ROOM03")).isNull();
  }

  @Test
  void aDocumentHoldsItsMessagesMemoryUntilItIsStoredReplacedOrItsRoomForgotten() throws Exception {
    List<String> released = new java.util.concurrent.CopyOnWriteArrayList<>();
    writer.submit("HOLD01", JsonString.of("a"), "host", null, 1, () -> released.add("a"));
    Write first = store.nextWrite();
    writer.submit("HOLD01", JsonString.of("b"), "host", null, 2, () -> released.add("b"));
    writer.submit("HOLD01", JsonString.of("c"), "host", null, 3, () -> released.add("c"));
    assertThat(released).containsExactly("b"); // replaced while queued: never to be written
    first.done.fail(new IllegalStateException("disk full")); // "c" is newer: "a" is not retried
    Write second = store.nextWrite();
    assertThat(second.document).isEqualTo("c");
    assertThat(released).containsExactly("b", "a");
    second.done.complete(new SaveOutcome.Stored(1));
    Await.result(writer.idle());
    assertThat(released).containsExactly("b", "a", "c");

    writer.submit("HOLD02", JsonString.of("x"), "host", null, 1, () -> released.add("x"));
    Write inFlight = store.nextWrite();
    writer.submit("HOLD02", JsonString.of("y"), "host", null, 2, () -> released.add("y"));
    writer.forget("HOLD02"); // the room is deleted: the queued one goes now, the one in flight when it ends
    assertThat(released).endsWith("y");
    inFlight.done.complete(new SaveOutcome.Stored(1));
    Await.until("the write in flight let go", () -> released.contains("x"));
  }

  private record Write(String code, String document, Promise<SaveOutcome> done) {}

  /** A memory store whose document writes wait for the test. */
  private static final class GatedStore implements RoomStore {
    private final MemoryRoomStore memory = new MemoryRoomStore(10);
    final BlockingQueue<Write> writes = new LinkedBlockingQueue<>();

    Write nextWrite() throws InterruptedException {
      Write write = writes.poll(10, TimeUnit.SECONDS);
      assertThat(write).as("a write within 10 s").isNotNull();
      return write;
    }

    @Override public String describe() { return "gated memory"; }
    @Override public Future<List<RoomRecord>> loadRooms() { return memory.loadRooms(); }
    @Override public Future<Void> saveRoom(RoomRecord room) { return memory.saveRoom(room); }
    @Override public Future<Void> deleteRoom(String code) { return memory.deleteRoom(code); }
    @Override public Future<Integer> roomsCreatedBy(String creator) { return memory.roomsCreatedBy(creator); }
    @Override public boolean full() { return false; }
    @Override public Future<StoredDocument> loadDocument(String code) { return memory.loadDocument(code); }
    @Override public Future<List<RevisionInfo>> revisions(String code) { return memory.revisions(code); }
    @Override public Future<java.util.Map<String, RevisionInfo>> latestRevisions() { return memory.latestRevisions(); }
    @Override public Future<StoredDocument> revision(String code, long revision) { return memory.revision(code, revision); }
    @Override public Future<Void> ping() { return Future.succeededFuture(); }
    @Override public Future<Void> close() { return Future.succeededFuture(); }

    @Override
    public Future<SaveOutcome> saveDocument(String code, JsonString document, String writtenBy, Instant writtenAt, long stamp) {
      Promise<SaveOutcome> done = Promise.promise();
      writes.add(new Write(code, document.decode(), done));
      return done.future();
    }
  }
}
