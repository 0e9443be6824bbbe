package app.khuphaen.sync.memory;

import app.khuphaen.sync.support.Await;
import app.khuphaen.sync.support.Http;
import app.khuphaen.sync.support.MemoryCgroup;
import app.khuphaen.sync.support.Messages;
import app.khuphaen.sync.support.ServerProcess;
import app.khuphaen.sync.support.TestServer;
import app.khuphaen.sync.support.WsClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The image as a user runs it with {@code --memory=100m}: {@code scripts/local-image.sh} lays out
 * what the image holds, {@code conf/config.json} is copied in as the Dockerfile does, and the image's
 * command line (its launcher, which sizes the JVM from the limit) runs in that directory inside a
 * memory cgroup of 100 MiB made as a child of this process's, through one server's life: issue 24's
 * loads one after the other (5,000 idle peers, W4's documents, a fan-out, ten hosts sending a
 * document of MAX_MESSAGE_BYTES at once). Each load must pass whole, with no OOM kill and no
 * OutOfMemoryError, and the memory the kernel cannot reclaim (anonymous and kernel memory, sampled
 * through the load) must stay within 90 % of the limit; the cgroup's own peak counts file pages
 * too, which it fills up to the limit and reclaims there. Skipped, saying why, where no memory
 * cgroup can be made (it needs root). {@code -Dkp.limit.mib=256} tries another limit,
 * {@code -Dkp.reverse=true} the loads in the other order, {@code -Dkp.deflate=true} clients that
 * offer per-message deflate,
 * {@code -Dkp.nmt=true} prints the JVM's own account after each load, {@code -Dkp.env=NAME=value,…}
 * tries settings: {@code ./mvnw -B verify -Dit.test=ContainerLimitIT -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("slow")
class ContainerLimitIT {
  private static final long MIB = 1024 * 1024;
  /** -Dkp.deflate=true: every client offers per-message deflate, as browsers do (with WS_COMPRESSION=true). */
  private static final boolean DEFLATE = Boolean.getBoolean("kp.deflate");

  @Test
  void oneServersLifeInsideTheLimit() throws Exception {
    long limit = Long.getLong("kp.limit.mib", 100) * MIB;
    MemoryCgroup cgroup = MemoryCgroup.create("kp-container", limit).orElse(null);
    Assumptions.assumeTrue(cgroup != null, () -> "skipped: " + MemoryCgroup.whyUnavailable());
    Path image = Files.createTempDirectory("kp-image-");
    Vertx vertx = Vertx.vertx();
    try (cgroup) {
      List<String> command = new ArrayList<>(layOut(image));
      int port = TestServer.freePort();
      Map<String, String> env = new java.util.HashMap<>(Map.of("PORT", Integer.toString(port)));
      if (Boolean.getBoolean("kp.nmt")) { // -Dkp.nmt=true: each phase also prints the JVM's own account
        env.put("JAVA_OPTS", "-XX:NativeMemoryTracking=summary");
      }
      for (String pair : System.getProperty("kp.env", "").split(",")) { // -Dkp.env=K=V,K=V: settings to try
        if (pair.contains("=")) {
          env.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
        }
      }
      int max = env.containsKey("MAX_MESSAGE_BYTES") ? Integer.parseInt(env.get("MAX_MESSAGE_BYTES")) : maxMessageBytes(image);
      try (ServerProcess server = ServerProcess.startCommand(image, env, cgroup.wrap(command))) {
        server.awaitLine("listening on", 60);
        report(cgroup, server, "idle");
        Http http = new Http(vertx, port, "127.0.0.1");
        // one load after the other, as the benchmark runs them: each one's clients are gone before the next
        Map<String, Runnable> loads = new java.util.LinkedHashMap<>();
        loads.put("5,000 idle peers", () -> {
          List<WebSocket> idle = idlePeers(vertx, port, 5_000);
          idle.forEach(WebSocket::close);
          http.await("/health", r -> r.json().getInteger("connections") == 0, "the idle peers gone");
        });
        loads.put("W4: a 2 MiB document to 20 receivers, 10 times", () -> largeDocuments(vertx, port, 2 * 1024 * 1024, 20, 10));
        loads.put("fan-out: 10 rooms of 20, 1,000 messages to each", () -> fanOut(vertx, port, 10, 20, 1_000));
        loads.put("10 hosts sending " + max + "-byte documents at once", () -> concurrentHosts(vertx, port, 10, max - 64));
        List<String> order = new ArrayList<>(loads.keySet());
        if (Boolean.getBoolean("kp.reverse")) { // -Dkp.reverse=true: the same loads the other way round
          java.util.Collections.reverse(order);
        }
        for (String name : order) {
          phase(cgroup, server, name, loads.get(name));
        }
      }
    } finally {
      Await.result(vertx.close());
      TestServer.deleteRecursively(image);
    }
  }

  /** scripts/local-image.sh's layout, with the shipped config file; answers the image's command line. */
  private static List<String> layOut(Path image) throws Exception {
    Process script = new ProcessBuilder("bash", ServerProcess.projectDir().resolve("scripts/local-image.sh").toString(),
        image.toString()).redirectErrorStream(false).start();
    String printed = new String(script.getInputStream().readAllBytes()).trim();
    assertThat(script.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(script.exitValue()).as("local-image.sh").isZero();
    Files.createDirectories(image.resolve("conf"));
    Files.copy(ServerProcess.projectDir().resolve("conf/config.json"), image.resolve("conf/config.json"),
        StandardCopyOption.REPLACE_EXISTING);
    // written out, then out of the page cache, so that the server's reads of them are charged to its
    // cgroup, as a container's first reads of its image are (writing them here charged the test's)
    for (String file : List.of("khu-phaen-sync.jar", "kp.jsa", "native/libsqlitejdbc.so")) {
      for (List<String> step : List.of(List.of("sync", image.resolve(file).toString()),
          List.of("dd", "if=" + image.resolve(file), "iflag=nocache", "count=0", "status=none"))) {
        Process run = new ProcessBuilder(step).start();
        assertThat(run.waitFor(30, TimeUnit.SECONDS) && run.exitValue() == 0).as(String.join(" ", step)).isTrue();
      }
    }
    String[] lines = printed.split("\n");
    return Arrays.asList(lines[lines.length - 1].split(" "));
  }

  private static int maxMessageBytes(Path image) throws IOException {
    JsonObject shipped = new JsonObject(Files.readString(image.resolve("conf/config.json")));
    return shipped.getInteger("MAX_MESSAGE_BYTES", 4 * 1024 * 1024);
  }

  /**
   * Runs one phase, sampling what the kernel cannot reclaim throughout; when it fails, says how the
   * cgroup and the server stood.
   */
  private static void phase(MemoryCgroup cgroup, ServerProcess server, String name, Runnable load) throws IOException {
    long[] highest = {cgroup.unreclaimableBytes()};
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    sampler.scheduleAtFixedRate(() -> {
      try {
        highest[0] = Math.max(highest[0], cgroup.unreclaimableBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, 0, 5, TimeUnit.MILLISECONDS);
    try {
      load.run();
    } catch (RuntimeException | AssertionError e) {
      List<String> output = server.output().lines().toList();
      System.out.printf("CGROUP %-55s FAILED (%s): peak %6.1f MiB, limit hit %d times, OOM kills %d, process %s%n",
          name, e.getMessage(), cgroup.peakBytes() / (double) MIB, cgroup.limitHits(), cgroup.oomKills(),
          server.isAlive() ? "alive" : "gone");
      output.stream().filter(l -> l.contains(" WARN ") || l.contains(" ERROR ") || l.contains("Exception")).limit(10)
          .forEach(l -> System.out.println("  server: " + l));
      output.subList(Math.max(0, output.size() - 3), output.size()).forEach(l -> System.out.println("  server: " + l));
      throw e;
    } finally {
      sampler.shutdownNow();
      try {
        sampler.awaitTermination(5, TimeUnit.SECONDS); // its last sample is in before the figure is read
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    report(cgroup, server, name);
    System.out.printf("CGROUP %-55s anonymous and kernel memory at most %6.1f MiB%n", name, highest[0] / (double) MIB);
    // the plan leaves 10 % of the limit free; the heaviest load measures about 8 MiB under this line
    assertThat(highest[0]).as("anonymous and kernel memory through: " + name).isLessThanOrEqualTo(cgroup.limitBytes() * 9 / 10);
  }

  private static void report(MemoryCgroup cgroup, ServerProcess server, String phase) throws IOException {
    if (Boolean.getBoolean("kp.nmt")) {
      nativeMemory(server.pid());
    }
    long peak = cgroup.peakBytes();
    System.out.printf("CGROUP %-55s peak %6.1f MiB, limit hit %d times, OOM kills %d; now %s%n", phase, peak / (double) MIB,
        cgroup.limitHits(), cgroup.oomKills(), cgroup.breakdown());
    assertThat(cgroup.oomKills()).as("OOM kills after: " + phase).isZero();
    assertThat(server.output()).as("the server's log after: " + phase).doesNotContain("OutOfMemoryError");
    cgroup.resetPeak();
  }

  /** The committed memory of each of the JVM's categories ({@code jcmd VM.native_memory summary}). */
  private static void nativeMemory(long pid) throws IOException {
    try {
      Process jcmd = new ProcessBuilder("jcmd", Long.toString(pid), "VM.native_memory", "summary").redirectErrorStream(true).start();
      String out = new String(jcmd.getInputStream().readAllBytes());
      jcmd.waitFor(30, TimeUnit.SECONDS);
      out.lines().filter(l -> l.startsWith("Total:") || l.matches("^-\\s+\\S.*\\(reserved=.*"))
          .forEach(l -> System.out.println("  NMT " + l.replaceAll("\\s+", " ")));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@code count} sockets, 50 per loopback address, joined 10 to a room. */
  private static List<WebSocket> idlePeers(Vertx vertx, int port, int count) {
    List<WebSocket> sockets = new ArrayList<>();
    for (int batch = 0; batch * 50 < count; batch++) {
      String address = "127.0.4." + (batch + 1);
      WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setLocalAddress(address)
          .setTryUsePerMessageCompression(DEFLATE).setCompressionAllowClientNoContext(true));
      List<String> rooms = new ArrayList<>();
      Http http = new Http(vertx, port, address);
      for (int r = 0; r < 5; r++) {
        rooms.add(http.post("/api/rooms", null).json().getString("room_code"));
      }
      List<Future<WebSocket>> joined = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        String room = rooms.get(i / 10);
        String peer = "idle-" + batch + "-" + i;
        joined.add(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/ws"))
            .compose(ws -> ws.writeTextMessage(Messages.join(room, peer, false).encode()).map(ws)));
      }
      joined.forEach(f -> sockets.add(Await.result(f, 60)));
    }
    return sockets;
  }

  /** One sender, {@code receivers} receivers, {@code times} documents of {@code size}; each received whole. */
  private static void largeDocuments(Vertx vertx, int port, int size, int receivers, int times) {
    String code = new Http(vertx, port, "127.0.5.1").post("/api/rooms", null).json().getString("room_code");
    List<WsClient> peers = new ArrayList<>();
    try {
      WsClient sender = WsClient.connectFrom(vertx, port, "127.0.5.1", DEFLATE);
      peers.add(sender);
      sender.join(code, "sender", true);
      for (int i = 0; i < receivers; i++) {
        WsClient receiver = WsClient.connectFrom(vertx, port, "127.0.5." + (2 + i % 100), DEFLATE);
        receiver.join(code, "receiver-" + i, false);
        peers.add(receiver);
      }
      for (int t = 0; t < times; t++) {
        String document = t + "d".repeat(size - 1);
        sender.send(Messages.syncDocument(document));
        for (WsClient receiver : peers.subList(1, peers.size())) {
          JsonObject message;
          do {
            message = receiver.next();
          } while (!"document_sync".equals(message.getString("type")));
          assertThat(message.getString("document")).isEqualTo(document);
        }
      }
    } finally {
      peers.forEach(WsClient::close);
    }
  }

  /**
   * {@code rooms} rooms of {@code peers}, each peer's socket from its own address range; in every room
   * one sender broadcasts {@code messages} small messages as fast as the server reads them, and every
   * other peer receives all of them.
   */
  private static void fanOut(Vertx vertx, int port, int rooms, int peers, int messages) {
    List<List<WsClient>> all = new ArrayList<>();
    try {
      for (int r = 0; r < rooms; r++) {
        String address = "127.0.7." + (r + 1);
        String code = new Http(vertx, port, address).post("/api/rooms", null).json().getString("room_code");
        List<WsClient> room = new ArrayList<>();
        for (int p = 0; p < peers; p++) {
          WsClient peer = WsClient.connectFrom(vertx, port, address, DEFLATE);
          peer.join(code, "peer-" + p, p == 0);
          room.add(peer);
        }
        all.add(room);
      }
      String data = "{\"task\":\"ซื้อของ ✅\",\"done\":false}";
      for (int m = 0; m < messages; m++) {
        for (List<WsClient> room : all) {
          room.get(0).send(Messages.broadcast(data + m));
        }
      }
      for (List<WsClient> room : all) {
        for (WsClient receiver : room.subList(1, room.size())) {
          for (int m = 0; m < messages; m++) {
            JsonObject message;
            do {
              message = receiver.next(); // past the peer_joined of those who came after it
            } while (!"data".equals(message.getString("type")));
            assertThat(message.getString("data")).isEqualTo(data + m);
          }
        }
      }
    } finally {
      all.forEach(room -> room.forEach(WsClient::close));
    }
  }

  /** {@code hosts} rooms, each a host and a receiver; every host sends a document of {@code size} at once. */
  private static void concurrentHosts(Vertx vertx, int port, int hosts, int size) {
    List<WsClient[]> rooms = new ArrayList<>();
    try {
      for (int h = 0; h < hosts; h++) {
        String address = "127.0.6." + (h + 1);
        String code = new Http(vertx, port, address).post("/api/rooms", null).json().getString("room_code");
        WsClient host = WsClient.connectFrom(vertx, port, address, DEFLATE);
        WsClient receiver = WsClient.connectFrom(vertx, port, address, DEFLATE);
        host.join(code, "host", true);
        receiver.join(code, "receiver", false);
        host.next("peer_joined");
        rooms.add(new WsClient[] {host, receiver});
      }
      String document = "h".repeat(size);
      rooms.forEach(room -> room[0].send(Messages.syncDocument(document)));
      for (WsClient[] room : rooms) {
        assertThat(room[1].next("document_sync").getString("document")).hasSize(size);
      }
    } finally {
      rooms.forEach(room -> {
        room[0].close();
        room[1].close();
      });
    }
  }
}
