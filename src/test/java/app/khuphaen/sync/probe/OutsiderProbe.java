package app.khuphaen.sync.probe;

import app.khuphaen.sync.support.Await;
import app.khuphaen.sync.support.Http;
import app.khuphaen.sync.support.Messages;
import app.khuphaen.sync.support.RawHttp;
import app.khuphaen.sync.support.ServerProcess;
import app.khuphaen.sync.support.TestServer;
import app.khuphaen.sync.support.WsClient;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The outsider's probe of docs/operations.md ("What an outsider can do"): the packaged jar with the
 * image's command line and default settings, one finding a test, each printing its figure. Run it
 * against any jar, e.g. the one before a change, for a before-and-after:
 * {@code ./mvnw -B package -DskipTests && ./mvnw -B test -Dgroups=benchmark -Dkp.excludedGroups=
 * -Dtest=OutsiderProbe -Dkp.jar=$PWD/target/khu-phaen-sync.jar}.
 */
@Tag("benchmark")
class OutsiderProbe {
  private static final String CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
  private static final Vertx vertx = Vertx.vertx();

  @AfterAll
  static void close() {
    Await.result(vertx.close());
  }

  private static void report(String finding, String figure) {
    System.out.println("PROBE " + finding + ": " + figure);
  }

  private record Server(ServerProcess process, int port, Path dir) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      process.close();
      TestServer.deleteRecursively(dir);
    }
  }

  private static Server start(Map<String, String> env) throws Exception {
    Path dir = Files.createTempDirectory("kp-probe-");
    int port = TestServer.freePort();
    Map<String, String> all = new java.util.HashMap<>(env);
    all.put("PORT", Integer.toString(port));
    ServerProcess process = ServerProcess.start(dir, all);
    process.awaitLine("listening on", 60);
    return new Server(process, port, dir);
  }

  @Test
  void guessingRoomCodes() throws Exception {
    try (Server server = start(Map.of())) {
      new Http(vertx, server.port(), "127.0.0.1").post("/api/rooms", null);
      AtomicLong answered = new AtomicLong();
      AtomicLong refused = new AtomicLong();
      long end = System.nanoTime() + 10_000_000_000L;
      List<Thread> lanes = new ArrayList<>();
      for (int lane = 0; lane < 8; lane++) { // 8 keep-alive connections from one address
        Http guesser = new Http(vertx, server.port(), "127.0.0.50");
        Thread thread = new Thread(() -> {
          while (System.nanoTime() < end) {
            int status = guesser.get("/api/rooms/" + randomCode()).status();
            (status == 429 ? refused : answered).incrementAndGet();
          }
        });
        thread.start();
        lanes.add(thread);
      }
      for (Thread lane : lanes) {
        lane.join();
      }
      report("1 room codes checked from one address in 10 s (keep-alive, 8 in flight)",
          answered.get() + " answered (404 or 200), " + refused.get() + " refused 429");
    }
  }

  private static String randomCode() {
    StringBuilder code = new StringBuilder();
    for (int i = 0; i < 6; i++) {
      code.append(CODE_ALPHABET.charAt(ThreadLocalRandom.current().nextInt(CODE_ALPHABET.length())));
    }
    return code.toString();
  }

  @Test
  void roomsOneAddressHolds() throws Exception {
    try (Server server = start(Map.of())) {
      Http creator = new Http(vertx, server.port(), "127.0.0.51");
      int made = 0;
      String last = "";
      long end = System.nanoTime() + 40_000_000_000L;
      while (System.nanoTime() < end) {
        Http.Response response = creator.post("/api/rooms", null);
        if (response.status() == 200) {
          made++;
          continue;
        }
        last = response.status() + " " + response.json().getString("error");
        String retry = response.headers().get("Retry-After");
        if (retry == null) {
          break; // not a matter of time
        }
        // the probe honours Retry-After, as a patient attacker would
        Await.result(vertx.timer(Long.parseLong(retry), java.util.concurrent.TimeUnit.SECONDS), 60);
      }
      report("2 rooms one address made in 40 s, honouring Retry-After", made + " (then: " + last + ")");
    }
  }

  @Test
  void aFloodOfMalformedRequests() throws Exception {
    try (Server server = start(Map.of())) {
      int before = server.process().output().length();
      long end = System.nanoTime() + 10_000_000_000L;
      int sent = 0;
      while (System.nanoTime() < end) {
        try (RawHttp client = RawHttp.connect("127.0.0.52", server.port())) {
          client.send("POST /api/rooms HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
          client.awaitEnd();
          sent++;
        } catch (AssertionError | IOException e) {
          sent++;
        }
      }
      long logged = server.process().output().length() - before;
      report("3 log written by malformed requests in 10 s", sent + " requests, " + logged + " characters of log");
    }
  }

  @Test
  void diskWritesOfOneClient() throws Exception {
    try (Server server = start(Map.of())) {
      Http http = new Http(vertx, server.port(), "127.0.0.53");
      List<WsClient> hosts = new ArrayList<>();
      String document = "x".repeat(4 * 1024 * 1024 - 100);
      for (int i = 0; i < 5; i++) {
        String code = http.post("/api/rooms", null).json().getString("room_code");
        WsClient host = WsClient.connectFrom(vertx, server.port(), "127.0.0.53");
        host.join(code, "host", true);
        hosts.add(host);
      }
      long written = syncFor60Seconds(server, hosts, document, 250);
      report("4 bytes written to disk in 60 s by one client (5 rooms, a 4 MiB sync every 250 ms each)",
          written / 1_000_000 + " MB (" + written / 60 / 1_000_000 + " MB/s)");
      for (WsClient host : hosts) {
        host.close();
      }
    }
  }

  /**
   * The whole server: 10 client addresses, a room each, a 1 MiB sync every 100 ms per room for 60 s
   * (10 MiB/s a client, five times its write rate; smaller documents than above, so that what arrives
   * at once stays within the buffer budget), in a store bounded to 64 MiB of documents: what the disk
   * takes and what the data directory holds at the end.
   */
  @Test
  void diskWritesOfManyClients() throws Exception {
    try (Server server = start(Map.of("STORE_MAX_BYTES", Integer.toString(64 << 20)))) {
      List<WsClient> hosts = new ArrayList<>();
      String document = "x".repeat(1024 * 1024 - 100);
      for (int client = 0; client < 10; client++) {
        String address = "127.0.3." + (client + 1);
        Http http = new Http(vertx, server.port(), address);
        for (int room = 0; room < 1; room++) {
          String code = http.post("/api/rooms", null).json().getString("room_code");
          WsClient host = WsClient.connectFrom(vertx, server.port(), address);
          host.join(code, "host", true);
          hosts.add(host);
        }
      }
      long written = syncFor60Seconds(server, hosts, document, 100);
      long onDisk;
      try (var files = Files.walk(server.dir())) {
        onDisk = files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
      }
      report("4 the whole server: 10 addresses, a room each, a 1 MiB sync every 100 ms each, 60 s, STORE_MAX_BYTES 64 MiB",
          written / 1_000_000 + " MB written (" + written / 60 / 1_000_000 + " MB/s), data directory " + onDisk / 1_000_000 + " MB");
      for (WsClient host : hosts) {
        host.close();
      }
    }
  }

  /** Each host syncs {@code document} every {@code everyMs} for 60 s; answers the bytes the server wrote to disk. */
  private static long syncFor60Seconds(Server server, List<WsClient> hosts, String document, long everyMs)
      throws IOException, InterruptedException {
    long before = writeBytes(server.process().pid());
    long start = System.nanoTime();
    while (System.nanoTime() - start < 60_000_000_000L) {
      long tick = System.nanoTime();
      for (WsClient host : hosts) {
        host.send(Messages.syncDocument(document));
      }
      long left = everyMs - (System.nanoTime() - tick) / 1_000_000;
      if (left > 0) { // the probe's own pace: the next round when the timer fires
        Await.result(vertx.timer(left, java.util.concurrent.TimeUnit.MILLISECONDS), 60);
      }
    }
    return writeBytes(server.process().pid()) - before;
  }

  private static long writeBytes(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/io"))) {
      if (line.startsWith("write_bytes:")) {
        return Long.parseLong(line.substring("write_bytes:".length()).trim());
      }
    }
    throw new IllegalStateException("no write_bytes");
  }

  @Test
  void aFullRoomAndItsHost() throws Exception {
    try (Server server = start(Map.of("HOST_AUTH", "required"))) {
      JsonObject created = new Http(vertx, server.port(), "127.0.0.1").post("/api/rooms", null).json();
      String code = created.getString("room_code");
      List<WsClient> squatters = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        WsClient squatter = WsClient.connectFrom(vertx, server.port(), i < 50 ? "127.0.0.54" : "127.0.0.55");
        squatter.join(code, "squatter-" + i, false);
        squatters.add(squatter);
      }
      try (WsClient host = WsClient.connect(vertx, server.port())) {
        host.send(Messages.join(code, "the-host", true).put("host_key", created.getString("host_key")));
        JsonObject answer = host.next();
        report("5 the host joining its room filled by 100 squatters", answer.getString("type")
            + (answer.containsKey("message") ? " " + answer.getString("message") : ""));
      }
      squatters.forEach(WsClient::close);
    }
  }

  @Test
  void aSecondForwardedForLine() throws Exception {
    try (Server server = start(Map.of("TRUSTED_PROXIES", "127.0.0.1"))) {
      Http http = new Http(vertx, server.port(), "127.0.0.1");
      int created = 0;
      for (int i = 0; i < 8; i++) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap()
            .add("X-Forwarded-For", "198.51.100." + i).add("X-Forwarded-For", "203.0.113.9");
        created += http.request(HttpMethod.POST, "/api/rooms", null, headers).status() == 200 ? 1 : 0;
      }
      report("6 creations behind a proxy adding its own X-Forwarded-For line, forged first lines", created + " of 8");
    }
  }
}
