package app.khuphaen.sync.support;

import app.khuphaen.sync.SyncServer;
import app.khuphaen.sync.config.Settings;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;

/**
 * A real server in this JVM on a free port, with its own Vert.x whose blocked-thread checker is
 * tight, so that a blocking call on an event loop shows up in the test log.
 */
public final class TestServer implements AutoCloseable {
  public final Vertx vertx;
  public final SyncServer server;
  public final int port;
  public final Http http;

  private TestServer(Vertx vertx, SyncServer server, int port) {
    this.vertx = vertx;
    this.server = server;
    this.port = port;
    this.http = httpFrom("127.0.0.1");
  }

  /** An HTTP client sending from another loopback address, i.e. another client as the server sees it. */
  public Http httpFrom(String loopbackAddress) {
    return new Http(vertx, port, loopbackAddress);
  }

  public static TestServer start() {
    return start(new JsonObject());
  }

  /** @param config settings by name, as in conf/config.json (PORT is chosen here) */
  public static TestServer start(JsonObject config) {
    Vertx vertx = Vertx.vertx(new VertxOptions()
        .setEventLoopPoolSize(2)
        .setBlockedThreadCheckInterval(100)
        .setMaxEventLoopExecuteTime(300)
        .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS));
    int port = freePort();
    Settings settings = Settings.from(config.copy().put(Settings.PORT, port));
    SyncServer server = Await.result(SyncServer.start(vertx, settings));
    return new TestServer(vertx, server, port);
  }

  public WsClient connect() {
    return WsClient.connect(vertx, port);
  }

  /** Creates a room with the given code over REST and answers the response body. */
  public JsonObject createRoom(String code) {
    Http.Response response = http.post("/api/rooms", new JsonObject().put("desired_room_code", code).encode());
    if (response.status() != 200) {
      throw new AssertionError("room creation failed: " + response);
    }
    return response.json();
  }

  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    try {
      Await.result(server.stop());
    } finally {
      Await.result(vertx.close());
    }
  }
}
