package app.khuphaen.sync.store;

import app.khuphaen.sync.model.JsonString;
import app.khuphaen.sync.metrics.ServerMetrics;
import app.khuphaen.sync.config.DatabaseUrl;
import app.khuphaen.sync.support.Await;
import app.khuphaen.sync.support.Postgres;
import app.khuphaen.sync.support.TestServer;
import app.khuphaen.sync.model.RoomRecord;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;

/**
 * Time from a document entering the write-behind queue (what a sync_document does right after the
 * relay) to its commit, for a 2 MB document, on each store. Reports figures; run with
 * {@code ./mvnw test -Dgroups=benchmark -Dkp.excludedGroups= -Dtest=DurableWriteBenchmark}.
 */
@Tag("benchmark")
class DurableWriteBenchmark {
  private static final Logger log = LoggerFactory.getLogger(DurableWriteBenchmark.class);
  private static final int WARMUP = 10;
  private static final int RUNS = 100;

  @Test
  void sqlite() {
    Vertx vertx = Vertx.vertx();
    Path dir = TestServer.tempDir();
    try {
      measure("sqlite", vertx, Await.result(JdbcRoomStore.sqlite(vertx, dir, 10)));
    } finally {
      Await.result(vertx.close());
      TestServer.deleteRecursively(dir);
    }
  }

  @Test
  void postgres() {
    Vertx vertx = Vertx.vertx();
    try (Postgres pg = Postgres.createDatabase()) {
      measure("postgresql", vertx, Await.result(JdbcRoomStore.postgres(vertx, target(DatabaseUrl.parse(pg.url(Postgres.PORT))), 10)));
    } finally {
      Await.result(vertx.close());
    }
  }

  private static void measure(String name, Vertx vertx, RoomStore store) {
    DocumentWriter writer = new DocumentWriter(vertx, store, new StoreHealth(ServerMetrics.detached()), ServerMetrics.detached(), Duration.ZERO);
    Instant now = Instant.now();
    Await.result(store.saveRoom(new RoomRecord("BENCH1", UUID.randomUUID().toString(), "host", now, now, null, null, true)));
    StringBuilder doc = new StringBuilder("{\"tasks\":[");
    for (int i = 0; doc.length() < 2 * 1024 * 1024; i++) {
      doc.append("{\"id\":").append(i).append(",\"title\":\"งาน ").append(i).append("\"},");
    }
    String base = doc.append("{}]}").toString();
    long[] micros = new long[RUNS];
    for (int i = -WARMUP; i < RUNS; i++) {
      String document = base.replaceFirst("\"id\":0", "\"id\":" + (1000 + i)); // a new revision each time
      long start = System.nanoTime();
      writer.submit("BENCH1", JsonString.of(document), "host", 1000 + i);
      Await.result(writer.idle());
      if (i >= 0) {
        micros[i] = (System.nanoTime() - start) / 1000;
      }
    }
    Await.result(store.close());
    Arrays.sort(micros);
    log.info("{}: 2 MB sync to durable write over {} runs: median {} ms, p99 {} ms, max {} ms", name, RUNS,
        micros[RUNS / 2] / 1000.0, micros[(int) Math.ceil(RUNS * 0.99) - 1] / 1000.0, micros[RUNS - 1] / 1000.0);
  }

  private static JdbcTarget target(DatabaseUrl url) {
    return new JdbcTarget(url.jdbcUrl(), url.user(), url.password(), url.display());
  }
}
