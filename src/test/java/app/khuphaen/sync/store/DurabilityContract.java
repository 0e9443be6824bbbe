package app.khuphaen.sync.store;

import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.support.Http;
import app.khuphaen.sync.support.Messages;
import app.khuphaen.sync.support.Scrape;
import app.khuphaen.sync.support.TestServer;
import app.khuphaen.sync.support.WsClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every durable store must do, driven through the real server. Subclasses choose the store and
 * how to take it down for a while.
 */
abstract class DurabilityContract {
  private static final String ADMIN_TOKEN = "durability-operator-0123456789";

  /** Settings that select this test's store; the same location on every call. */
  protected abstract JsonObject storeConfig();

  /** Makes the store fail from now on (without touching the machine's services). */
  protected abstract void breakStore() throws Exception;

  protected abstract void restoreStore() throws Exception;

  /** Whether the outage {@link #breakStore()} makes also stops reads (a locked SQLite file still reads). */
  protected abstract boolean readsFailDuringOutage();

  protected TestServer start(JsonObject extra) {
    return TestServer.start(storeConfig().mergeIn(extra));
  }

  @Test
  void roomsDocumentsAndRevisionsSurviveARestart() {
    JsonObject created;
    try (TestServer first = start(new JsonObject())) {
      created = first.http.post("/api/rooms",
          new JsonObject().put("desired_room_code", "KEEP01").put("desired_host_id", "host-a").encode()).json();
      try (WsClient host = first.connect()) {
        host.join("KEEP01", "host-a", true);
        for (String version : new String[] {"v1 ทดสอบ", "v2 ทดสอบ", "v3 ทดสอบ ✅ \"q\" \\ 😀\n\t"}) {
          host.send(Messages.syncDocument(version));
          awaitStored(first, "KEEP01", version);
        }
      }
    }
    Instant restartedAt = Instant.now();
    try (TestServer second = start(new JsonObject())) {
      JsonObject room = second.http.get("/api/rooms/KEEP01").json();
      assertThat(room.getString("host_id")).isEqualTo("host-a");
      assertThat(room.getString("created_at")).isEqualTo(second.http.get("/api/rooms/KEEP01").json().getString("created_at"));
      // counts as empty from start-up, not from whenever it emptied before
      assertThat(Instant.parse(room.getString("empty_since"))).isAfterOrEqualTo(restartedAt.minusMillis(1));

      Http.Response document = second.http.asHost("KEEP01", "/api/rooms/KEEP01/document");
      assertThat(document.status()).isEqualTo(200);
      assertThat(document.body()).isEqualTo("v3 ทดสอบ ✅ \"q\" \\ 😀\n\t");
      assertThat(document.headers().get("ETag")).isEqualTo("\"3\"");

      JsonArray revisions = second.http.asHost("KEEP01", "/api/rooms/KEEP01/revisions").json().getJsonArray("revisions");
      assertThat(revisions.stream().map(r -> ((JsonObject) r).getLong("revision")).toList()).containsExactly(3L, 2L, 1L);
      JsonObject first = revisions.getJsonObject(2);
      assertThat(first.getString("written_by")).isEqualTo("host-a");
      assertThat(first.getLong("size")).isEqualTo("v1 ทดสอบ".getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
      assertThat(Instant.parse(first.getString("written_at"))).isBefore(restartedAt);
      assertThat(second.http.asHost("KEEP01", "/api/rooms/KEEP01/revisions/1").body()).isEqualTo("v1 ทดสอบ");
      assertThat(second.http.asHost("KEEP01", "/api/rooms/KEEP01/revisions/99").status()).isEqualTo(404);
      assertThat(second.http.get("/api/rooms/NOSUCH/revisions").status()).isEqualTo(404);

      // the front end's "restore" call finds the stored room
      JsonObject restored = second.http.post("/api/rooms",
          new JsonObject().put("desired_room_code", "KEEP01").put("desired_host_id", "host-a").encode()).json();
      assertThat(restored.getBoolean("restored")).isTrue();
      assertThat(restored.getString("room_id")).isEqualTo(created.getString("room_id"));

      try (WsClient guest = second.connect()) {
        guest.send(Messages.join("KEEP01", "guest", false));
        guest.next("room_info");
        guest.next("connected");
        assertThat(guest.next("document_sync").getString("document")).isEqualTo("v3 ทดสอบ ✅ \"q\" \\ 😀\n\t");
      }
    }
  }

  /**
   * A burst arriving while a write cannot finish coalesces into one write of the last document. The
   * store is held up for the burst so that this does not depend on how fast the store writes (how
   * much coalesces when it is fast is a benchmark's figure; DocumentWriterTest has the rule alone).
   */
  @Test
  void aBurstOfSyncsCoalescesIntoFewWritesEndingWithTheLast() throws Exception {
    try (TestServer server = start(new JsonObject());
         WsClient host = server.connect();
         WsClient guest = server.connect()) {
      hostAndGuestIn(server, "BURST1", host, guest);
      String padding = "x".repeat(20_000);
      breakStore();
      try {
        for (int i = 1; i <= 100; i++) {
          host.send(Messages.syncDocument("{\"n\":" + i + ",\"pad\":\"" + padding + "\"}"));
        }
        for (int i = 1; i <= 100; i++) {
          String relayed = guest.next("document_sync").getString("document");
          assertThat(relayed.substring(0, relayed.indexOf(','))).isEqualTo("{\"n\":" + i);
        }
      } finally {
        restoreStore();
      }
      String last = "{\"n\":100,\"pad\":\"" + padding + "\"}";
      Http.Response stored = awaitStored(server, "BURST1", last);
      long writes = Long.parseLong(stored.headers().get("ETag").replace("\"", ""));
      assertThat(writes).as("revisions written for 100 syncs").isLessThan(50);
    }
  }

  /**
   * Someone typing: each sync relayed at once, stored at most once per DOCUMENT_WRITE_INTERVAL_MS
   * (each write starts at least that long after the room's previous one), the last one stored.
   */
  @Test
  void syncsInQuickSuccessionAreStoredAtMostOncePerIntervalEndingWithTheLast() {
    long intervalMs = 400;
    try (TestServer server = start(new JsonObject().put(Settings.DOCUMENT_WRITE_INTERVAL_MS, intervalMs));
         WsClient host = server.connect();
         WsClient guest = server.connect()) {
      hostAndGuestIn(server, "TYPING", host, guest);
      long start = System.nanoTime();
      for (int i = 1; i <= 30; i++) {
        host.send(Messages.syncDocument("keystroke " + i));
        assertThat(guest.next("document_sync").getString("document")).isEqualTo("keystroke " + i);
      }
      Http.Response stored = awaitStored(server, "TYPING", "keystroke 30");
      long elapsedMs = (System.nanoTime() - start) / 1_000_000;
      long writes = Long.parseLong(stored.headers().get("ETag").replace("\"", ""));
      assertThat(writes).as("revisions written in %d ms", elapsedMs).isBetween(1L, 1 + elapsedMs / intervalMs);
    }
  }

  @Test
  void onlyTheNewestRevisionsAreKept() {
    try (TestServer server = start(new JsonObject().put(Settings.DOCUMENT_REVISIONS, 3)
        .put(Settings.REVISION_SPACING_SECONDS, 0).put(Settings.ADMIN_TOKEN, ADMIN_TOKEN));
         WsClient host = server.connect()) {
      server.createRoom("CAPPED");
      server.createRoom("NODOCS");
      host.join("CAPPED", "host", true);
      for (int i = 1; i <= 5; i++) {
        host.send(Messages.syncDocument("doc " + i));
        awaitStored(server, "CAPPED", "doc " + i);
      }
      JsonArray revisions = server.http.asHost("CAPPED", "/api/rooms/CAPPED/revisions").json().getJsonArray("revisions");
      assertThat(revisions.stream().map(r -> ((JsonObject) r).getLong("revision")).toList()).containsExactly(5L, 4L, 3L);
      assertThat(server.http.asHost("CAPPED", "/api/rooms/CAPPED/revisions/2").status()).isEqualTo(404);

      // the operator's list reads every room's newest revision in one query
      JsonArray rooms = server.http.request(HttpMethod.GET, "/api/admin/rooms", null,
          Map.of("Authorization", "Bearer " + ADMIN_TOKEN)).json().getJsonArray("rooms");
      Map<String, Object> documents = new HashMap<>();
      rooms.forEach(r -> documents.put(((JsonObject) r).getString("code"), ((JsonObject) r).getValue("document")));
      assertThat(documents.get("NODOCS")).isNull();
      JsonObject newest = (JsonObject) documents.get("CAPPED");
      assertThat(newest.getLong("revision")).isEqualTo(5);
      assertThat(newest.getLong("size")).isEqualTo("doc 5".length());
    }
  }

  @Test
  void theIdleSweepDeletesRoomAndDocumentsFromTheStore() {
    try (TestServer server = start(new JsonObject()
        .put(Settings.ROOM_IDLE_TIMEOUT_SECONDS, 1).put(Settings.SWEEP_INTERVAL_SECONDS, 1))) {
      server.createRoom("GONE01");
      try (WsClient host = server.connect()) {
        host.join("GONE01", "host", true);
        host.send(Messages.syncDocument("to be swept"));
        awaitStored(server, "GONE01", "to be swept");
      }
      awaitStatus(server, "/api/rooms/GONE01", 404);
    }
    try (TestServer again = start(new JsonObject())) {
      assertThat(again.http.get("/api/rooms/GONE01").status()).isEqualTo(404);
      again.createRoom("GONE01");
      assertThat(again.http.asHost("GONE01", "/api/rooms/GONE01/revisions").json().getJsonArray("revisions")).isEmpty();
      assertThat(again.http.asHost("GONE01", "/api/rooms/GONE01/document").status()).isEqualTo(404);
    }
  }

  @Test
  void whileTheStoreIsDownRelayingGoesOnHealthSays503AndTheLatestDocumentLandsAfterwards() throws Exception {
    try (TestServer server = start(new JsonObject());
         WsClient host = server.connect();
         WsClient guest = server.connect()) {
      hostAndGuestIn(server, "OUTAGE", host, guest);
      host.send(Messages.syncDocument("before the outage"));
      assertThat(guest.next("document_sync").getString("document")).isEqualTo("before the outage");
      awaitStored(server, "OUTAGE", "before the outage");
      server.createRoom("OTHER1");

      breakStore();
      try {
        for (int i = 1; i <= 5; i++) {
          host.send(Messages.syncDocument("during the outage " + i));
          assertThat(guest.next("document_sync").getString("document")).isEqualTo("during the outage " + i);
        }
        guest.send(Messages.broadcast("still relaying"));
        assertThat(host.next("data").getString("data")).isEqualTo("still relaying");
        Http.Response unhealthy = awaitStatus(server, "/health", 503);
        assertThat(unhealthy.json().getString("status")).isEqualTo("unhealthy");
        assertThat(unhealthy.json().getString("reason")).isNotBlank();
        Http.Response notReady = server.http.get("/health/ready");
        assertThat(notReady.status()).isEqualTo(503);
        assertThat(notReady.json().getString("reason")).isNotBlank();
        assertThat(server.http.get("/health/live").status()).isEqualTo(200); // serving all the same
        try (WsClient elsewhere = server.connect()) {
          elsewhere.send(Messages.join("OTHER1", "p", false));
          if (readsFailDuringOutage()) {
            // nothing of that room in memory and the store unreadable: a clear error, not a blank document
            elsewhere.expectError("Storage unavailable");
          } else {
            elsewhere.next("room_info");
          }
        }
        // a late joiner still gets the latest document, from memory
        try (WsClient late = server.connect()) {
          late.send(Messages.join("OUTAGE", "late", false));
          late.next("room_info");
          late.next("connected");
          assertThat(late.next("document_sync").getString("document")).isEqualTo("during the outage 5");
        }
      } finally {
        restoreStore();
      }
      awaitStored(server, "OUTAGE", "during the outage 5");
      awaitStatus(server, "/health", 200);
      assertThat(server.http.get("/health/ready").json().getString("status")).isEqualTo("ready");
    }
  }

  /**
   * STORE_MAX_BYTES: past it the oldest revisions of the room holding the most go first; once only
   * rooms' newest documents are left, a document that would add to them waits (relayed and served
   * from memory all the same) and new rooms are refused, until a deletion makes room.
   */
  @Test
  void theStoreKeepsWithinItsBoundOldRevisionsFirstAndRefusesNewRoomsWhenOnlyNewestAreLeft() {
    String pad = "x".repeat(300_000); // 300 KB documents in a store of 1 MiB
    try (TestServer server = start(new JsonObject().put(Settings.STORE_MAX_BYTES, 1 << 20)
        .put(Settings.REVISION_SPACING_SECONDS, 0));
         WsClient a = server.connect(); WsClient b = server.connect(); WsClient c = server.connect();
         WsClient d = server.connect()) {
      for (String room : new String[] {"BOUNDA", "BOUNDB", "BOUNDC", "BOUNDD"}) {
        server.createRoom(room);
      }
      a.join("BOUNDA", "host", true);
      for (int i = 1; i <= 3; i++) {
        a.send(Messages.syncDocument(i + pad));
        awaitStored(server, "BOUNDA", i + pad);
      }
      b.join("BOUNDB", "host", true);
      b.send(Messages.syncDocument("b" + pad));
      awaitStored(server, "BOUNDB", "b" + pad); // 1.2 MB: BOUNDA's oldest revision went
      assertThat(revisionNumbers(server, "BOUNDA")).containsExactly(3L, 2L);
      c.join("BOUNDC", "host", true);
      c.send(Messages.syncDocument("c" + pad));
      awaitStored(server, "BOUNDC", "c" + pad);
      assertThat(revisionNumbers(server, "BOUNDA")).containsExactly(3L);

      d.join("BOUNDD", "host", true);
      d.send(Messages.syncDocument("d" + pad)); // only newest documents are left: no room for it
      server.http.await("/metrics", r -> new Scrape(r.body()).value("kp_refusals_total", "reason", "storage_full") > 0,
          "the document found the store full");
      Http.Response refused = server.httpFrom("127.0.0.40").post("/api/rooms", null);
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.json().getString("error")).isEqualTo("Storage full");
      assertThat(server.http.asHost("BOUNDD", "/api/rooms/BOUNDD/document").status()).isEqualTo(404);
      try (WsClient late = server.connect()) { // the live document is served all the same
        late.send(Messages.join("BOUNDD", "late", false));
        late.next("room_info");
        late.next("connected");
        assertThat(late.next("document_sync").getString("document")).isEqualTo("d" + pad);
      }
      assertThat(server.http.get("/health").status()).as("a full store is not an outage").isEqualTo(200);

      assertThat(server.http.request(HttpMethod.DELETE, "/api/rooms/BOUNDB", null, Http.hostAuthorization("BOUNDB")).status())
          .isEqualTo(200);
      awaitStored(server, "BOUNDD", "d" + pad); // room again: the waiting document lands
      assertThat(server.httpFrom("127.0.0.40").post("/api/rooms", null).status()).isEqualTo(200);
    }
  }

  /**
   * CLIENT_WRITE_BYTES_PER_SECOND: one client syncing large documents into several rooms as fast as
   * it can makes the store write at most that many bytes a second (what waits coalesces), and the
   * last document of each room is stored all the same.
   */
  @Test
  void oneClientsWritesOverAllItsRoomsKeepWithinItsByteRate() {
    int size = 50_000;
    long rate = 100_000;
    try (TestServer server = start(new JsonObject().put(Settings.CLIENT_WRITE_BYTES_PER_SECOND, rate)
        .put(Settings.DOCUMENT_WRITE_INTERVAL_MS, 0));
         WsClient one = server.connect(); WsClient two = server.connect()) {
      server.createRoom("RATEA1");
      server.createRoom("RATEB1");
      one.join("RATEA1", "host", true);
      two.join("RATEB1", "host", true);
      long start = System.nanoTime();
      for (int i = 0; i < 20; i++) {
        String pad = String.format("%02d", i) + "y".repeat(size - 2);
        one.send(Messages.syncDocument(pad));
        two.send(Messages.syncDocument(pad));
      }
      String last = "19" + "y".repeat(size - 2);
      long writes = revision(awaitStored(server, "RATEA1", last)) + revision(awaitStored(server, "RATEB1", last));
      double seconds = (System.nanoTime() - start) / 1e9;
      // every write but each room's first waited for the rate: at most rate × time, plus those two
      assertThat(writes * size).as("bytes written in %.2f s", seconds).isLessThanOrEqualTo((long) (rate * seconds) + 2L * size);
    }
  }

  private static long revision(Http.Response stored) {
    return Long.parseLong(stored.headers().get("ETag").replace("\"", ""));
  }

  private static java.util.List<Long> revisionNumbers(TestServer server, String code) {
    return server.http.asHost(code, "/api/rooms/" + code + "/revisions").json().getJsonArray("revisions").stream()
        .map(r -> ((JsonObject) r).getLong("revision")).toList();
  }

  /** Creates the room and joins {@code host} as its host and {@code guest}, each seeing the other. */
  private static void hostAndGuestIn(TestServer server, String code, WsClient host, WsClient guest) {
    server.createRoom(code);
    host.join(code, "host", true);
    guest.join(code, "guest", false);
    host.next("peer_joined");
  }

  /** Polls the backup endpoint until the stored document is {@code expected}; answers that response. */
  protected static Http.Response awaitStored(TestServer server, String code, String expected) {
    return server.http.awaitStored(code, expected);
  }

  protected static Http.Response awaitStatus(TestServer server, String path, int status) {
    return server.http.awaitStatus(path, status);
  }
}
