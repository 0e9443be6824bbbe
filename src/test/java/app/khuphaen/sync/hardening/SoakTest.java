package app.khuphaen.sync.hardening;

import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.support.Await;
import app.khuphaen.sync.support.LogCapture;
import app.khuphaen.sync.support.Messages;
import app.khuphaen.sync.support.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A few hundred sockets churning joins, leaves, broadcasts, syncs and abrupt disconnects; afterwards
 * nothing may be left over (rooms, presence, subscriptions, documents in memory, queued writes) and
 * the heap must be back where it started. Run with
 * {@code ./mvnw test -Dgroups=soak -Dkp.excludedGroups= -Dtest=SoakTest} (-Dkp.soak.seconds=60 by default).
 */
@Tag("soak")
class SoakTest {
  private static final Logger log = LoggerFactory.getLogger(SoakTest.class);
  private static final int SOCKETS = 300;
  private static final int ROOMS = 20;

  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong sessions = new AtomicLong();
  private volatile boolean stopping;

  @Test
  void churnLeavesNothingBehind() throws Exception {
    long seconds = Long.getLong("kp.soak.seconds", 60);
    try (LogCapture logs = new LogCapture(org.slf4j.Logger.ROOT_LOGGER_NAME);
         TestServer server = TestServer.start(new JsonObject()
             .put(Settings.ROOM_IDLE_TIMEOUT_SECONDS, 2).put(Settings.SWEEP_INTERVAL_SECONDS, 1)
             .put(Settings.MAX_CONNECTIONS_PER_IP, 1000))) {
      for (int r = 0; r < ROOMS; r++) {
        server.createRoom("SOAK" + r);
      }
      long heapBefore = usedHeapAfterGc();

      Vertx clients = Vertx.vertx();
      WebSocketClient client = clients.createWebSocketClient();
      CountDownLatch done = new CountDownLatch(SOCKETS);
      for (int i = 0; i < SOCKETS; i++) {
        int id = i;
        clients.setTimer(1 + i * 5L, t -> runSocket(clients, client, server.port, id, done));
      }
      clients.setTimer(seconds * 1000, t -> stopping = true);
      assertThat(done.await(seconds + 60, TimeUnit.SECONDS)).as("all sockets finished").isTrue();
      client.close();
      Await.result(clients.close());

      // everything winds down: no connection, subscription, document in memory, queued write or room
      JsonObject health = null;
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (System.nanoTime() < deadline) {
        health = server.http.get("/health").json();
        if (health.getInteger("connections") == 0 && health.getInteger("subscriptions") == 0
            && health.getInteger("documents_in_memory") == 0 && health.getInteger("queued_writes") == 0
            && health.getInteger("rooms") == 0) {
          break;
        }
        server.vertx.timer(200).await();
      }
      assertThat(health.getInteger("connections")).isZero();
      assertThat(health.getInteger("subscriptions")).isZero();
      assertThat(health.getInteger("documents_in_memory")).isZero();
      assertThat(health.getInteger("queued_writes")).isZero();
      assertThat(health.getInteger("rooms")).as("rooms left after the idle sweep").isZero();

      long heapAfter = usedHeapAfterGc();
      log.info("soak: {} s, {} socket sessions, {} messages sent, {} received; heap {} MB before, {} MB after",
          seconds, sessions.get(), sent.get(), received.get(), heapBefore / 1_048_576, heapAfter / 1_048_576);
      assertThat(heapAfter - heapBefore).as("heap growth over the soak").isLessThan(16L * 1024 * 1024);
      assertThat(logs.errors()).isEmpty();
    }
  }

  /** One socket's life, over and over until the soak ends: join, a few messages, then a way out. */
  private void runSocket(Vertx vertx, WebSocketClient client, int port, int id, CountDownLatch done) {
    if (stopping) {
      done.countDown();
      return;
    }
    client.connect(port, "127.0.0.1", "/ws").onComplete(ar -> {
      if (ar.failed()) {
        vertx.setTimer(50, t -> runSocket(vertx, client, port, id, done));
        return;
      }
      sessions.incrementAndGet();
      WebSocket ws = ar.result();
      ws.textMessageHandler(text -> received.incrementAndGet());
      ThreadLocalRandom random = ThreadLocalRandom.current();
      String room = "SOAK" + random.nextInt(ROOMS);
      ws.writeTextMessage(Messages.join(room, "p" + id, random.nextInt(10) == 0).encode());
      step(vertx, client, port, id, done, ws, 3 + random.nextInt(20));
    });
  }

  private void step(Vertx vertx, WebSocketClient client, int port, int id, CountDownLatch done, WebSocket ws, int left) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    vertx.setTimer(100 + random.nextInt(200), t -> {
      if (ws.isClosed()) {
        runSocket(vertx, client, port, id, done);
        return;
      }
      if (left > 0 && !stopping) {
        sent.incrementAndGet();
        ws.writeTextMessage(random.nextInt(5) == 0
            ? Messages.syncDocument("{\"by\":" + id + ",\"pad\":\"" + "x".repeat(random.nextInt(4000)) + "\"}").encode()
            : Messages.broadcast("m" + id + "-" + left).encode());
        step(vertx, client, port, id, done, ws, left - 1);
        return;
      }
      switch (random.nextInt(3)) {
        case 0 -> ws.writeTextMessage(Messages.action("leave").encode());
        case 1 -> ws.close();
        default -> ((WebSocketInternal) ws).channelHandlerContext().close(); // abrupt: no close frame
      }
      vertx.setTimer(20, t2 -> runSocket(vertx, client, port, id, done));
    });
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
