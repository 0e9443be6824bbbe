package app.khuphaen.sync.support;

import app.khuphaen.sync.SyncServer;
import app.khuphaen.sync.cluster.Node;
import app.khuphaen.sync.config.Settings;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;

/**
 * A real server in this JVM on a free port, with its own Vert.x whose blocked-thread checker is
 * tight, so that a blocking call on an event loop shows up in the test log.
 */
public final class TestServer implements AutoCloseable {
  public final Vertx vertx;
  public final Node node;
  public final SyncServer server;
  public final int port;
  public final Http http;

  private static final java.util.concurrent.atomic.AtomicInteger CREATORS = new java.util.concurrent.atomic.AtomicInteger();
  private static final int FIRST_PORT = 20_000;
  private static final int PORT_RANGE = 12_000;
  /** A start of its own for each JVM (Surefire's and Failsafe's run one after the other, a process cluster's children bind what they are given). */
  private static final java.util.concurrent.atomic.AtomicInteger NEXT_PORT =
      new java.util.concurrent.atomic.AtomicInteger(new java.util.Random().nextInt(PORT_RANGE));
  private final Path tempDataDir;

  private TestServer(Node node, SyncServer server, int port, Path tempDataDir) {
    this.node = node;
    this.vertx = node.vertx();
    this.server = server;
    this.port = port;
    this.tempDataDir = tempDataDir;
    this.http = httpFrom("127.0.0.1");
  }

  /** An HTTP client sending from another loopback address, i.e. another client as the server sees it. */
  public Http httpFrom(String loopbackAddress) {
    return new Http(vertx, port, loopbackAddress);
  }

  public static TestServer start() {
    return start(new JsonObject());
  }

  /**
   * @param config settings by name, as in conf/config.json. PORT is chosen here; without a store
   *     setting the server runs on its default store, SQLite, in a temporary DATA_DIR.
   */
  public static TestServer start(JsonObject config) {
    Path tempDataDir = null;
    if (!config.containsKey(Settings.STORE) && !config.containsKey(Settings.DATA_DIR) && !config.containsKey(Settings.DATABASE_URL)) {
      tempDataDir = tempDir();
      config = config.copy().put(Settings.DATA_DIR, tempDataDir.toString());
    }
    int port = freePort();
    Settings settings = Settings.from(config.copy().put(Settings.PORT, port));
    Node node = Await.result(Node.start(settings, Node.options(2)
        .setBlockedThreadCheckInterval(100)
        .setMaxEventLoopExecuteTime(300)
        .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)), 60);
    SyncServer server;
    try {
      server = Await.result(SyncServer.start(node, settings));
    } catch (RuntimeException | AssertionError e) {
      Await.result(node.close());
      throw e;
    }
    return new TestServer(node, server, port, tempDataDir);
  }

  public WsClient connect() {
    return WsClient.connect(vertx, port);
  }

  /**
   * Creates a room with the given code over REST and answers the response body. Each call comes from
   * another loopback address, so set-up never runs into the per-client creation limit.
   */
  public JsonObject createRoom(String code) {
    String from = "127.0.1." + (1 + CREATORS.getAndIncrement() % 250);
    Http.Response response = httpFrom(from).post("/api/rooms", new JsonObject().put("desired_room_code", code).encode());
    if (response.status() != 200) {
      throw new AssertionError("room creation failed: " + response);
    }
    return response.json();
  }

  /**
   * A port nobody listens on, from below the kernel's ephemeral range (32768 and up here): a port
   * the kernel hands out (new ServerSocket(0)) may be taken again, before the server binds it, as the
   * local port of some outgoing connection (a PostgreSQL or Hazelcast client, say) — a clustered
   * process once failed to start so. Each is handed out once per test JVM.
   */
  public static int freePort() {
    for (int attempt = 0; attempt < PORT_RANGE; attempt++) {
      int port = FIRST_PORT + Math.floorMod(NEXT_PORT.getAndIncrement(), PORT_RANGE);
      try (ServerSocket socket = new ServerSocket(port)) {
        return socket.getLocalPort();
      } catch (IOException taken) {
        // in use: the next one
      }
    }
    throw new IllegalStateException("no free port in " + FIRST_PORT + "-" + (FIRST_PORT + PORT_RANGE - 1));
  }

  public static Path tempDir() {
    try {
      return Files.createTempDirectory("kp-test-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      Await.result(server.stop());
    } finally {
      Await.result(node.close(), 60);
      deleteRecursively(tempDataDir);
    }
  }
}
