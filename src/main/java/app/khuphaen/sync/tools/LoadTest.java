package app.khuphaen.sync.tools;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A load test for a deployment, speaking only this server's protocol:
 * {@code java -cp khu-phaen-sync.jar app.khuphaen.sync.tools.LoadTest --url http://host:3001 --rooms 10
 * --peers 10 --senders 1 --rate 20 --payload 256 --duration 30}. Creates the rooms, joins every peer,
 * lets each sender broadcast at a fixed rate, and reports deliveries per second, latency percentiles
 * (sender and receivers are this process, so one clock) and every error. {@code --document BYTES}
 * makes the senders sync a task list of that size ({@link SampleTaskList}) instead; {@code --deflate
 * true} offers per-message deflate; {@code --server-pid PID} (a server on this machine) adds the
 * server's CPU time and bytes sent ({@link ServerUsage}) per message sent and per delivery.
 */
public final class LoadTest {
  private static final Logger log = LoggerFactory.getLogger(LoadTest.class);
  private static final String STAMP = "kp-load;";

  private final Map<String, String> options;
  private final Vertx vertx = Vertx.vertx();
  private final Recorder latency = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private volatile boolean measuring;

  private LoadTest(Map<String, String> options) {
    this.options = options;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new HashMap<>(Map.of("url", "http://127.0.0.1:3001", "rooms", "10", "peers", "10",
        "senders", "1", "rate", "20", "payload", "256", "duration", "30", "warmup", "5", "prefix", "LOAD"));
    options.putAll(Map.of("document", "0", "deflate", "false", "server-pid", "0"));
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--") || !options.containsKey(args[i].substring(2))) {
        log.error("unknown option {}; options: {}", args[i], options.keySet());
        System.exit(2);
      }
      options.put(args[i].substring(2), args[i + 1]);
    }
    int status = new LoadTest(options).run();
    System.exit(status);
  }

  private int number(String name) {
    return Integer.parseInt(options.get(name));
  }

  private int run() throws Exception {
    URI url = URI.create(options.get("url"));
    boolean tls = "https".equals(url.getScheme());
    int port = url.getPort() != -1 ? url.getPort() : tls ? 443 : 80;
    int rooms = number("rooms");
    int peers = number("peers");
    int senders = Math.min(number("senders"), peers);
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setSsl(tls).setTrustAll(tls).setVerifyHost(false));
    WebSocketClient ws = vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(tls).setTrustAll(tls)
        .setVerifyHost(false).setMaxMessageSize(64 * 1024 * 1024).setMaxFrameSize(64 * 1024 * 1024)
        .setTryUsePerMessageCompression(Boolean.parseBoolean(options.get("deflate")))
        .setMaxConnections(rooms * peers)); // Vert.x's default of 50 per server would queue every further peer

    List<String> codes = new ArrayList<>();
    for (int r = 0; r < rooms; r++) {
      String code = options.get("prefix") + r;
      createRoom(http, url.getHost(), port, code).await(120, TimeUnit.SECONDS);
      codes.add(code);
    }
    log.info("{} rooms ready; connecting {} peers", rooms, rooms * peers);
    List<WebSocket> sending = new ArrayList<>();
    for (String code : codes) {
      for (int p = 0; p < peers; p++) {
        WebSocket socket = join(ws, url.getHost(), port, code, "load-" + code + "-" + p).await(30, TimeUnit.SECONDS);
        if (p < senders) {
          sending.add(socket);
        }
      }
    }
    String padding = "x".repeat(Math.max(0, number("payload") - 40));
    String document = number("document") > 0 ? SampleTaskList.of(number("document")).substring(1) : null;
    long intervalNanos = 1_000_000_000L / Math.max(1, number("rate"));
    for (WebSocket socket : sending) {
      long[] next = {System.nanoTime()};
      vertx.setPeriodic(1, id -> {
        long now = System.nanoTime();
        while (next[0] <= now && !socket.isClosed()) {
          socket.writeTextMessage(document == null
              ? new JsonObject().put("action", "broadcast").put("data", STAMP + System.nanoTime() + ";" + padding).encode()
              : new JsonObject().put("action", "sync_document")
                  .put("document", "{\"stamp\":\"" + STAMP + System.nanoTime() + ";\"," + document).encode());
          if (measuring) {
            sent.incrementAndGet();
          }
          next[0] += intervalNanos;
        }
      });
    }
    TimeUnit.SECONDS.sleep(number("warmup"));
    latency.reset();
    ServerUsage server = ServerUsage.of(number("server-pid"), port);
    measuring = true;
    long start = System.nanoTime();
    TimeUnit.SECONDS.sleep(number("duration"));
    measuring = false;
    double seconds = (System.nanoTime() - start) / 1e9;
    ServerUsage used = server == null ? null : ServerUsage.of(number("server-pid"), port).minus(server);
    TimeUnit.SECONDS.sleep(2); // let the last messages arrive
    Histogram h = latency.getIntervalHistogram();
    long expected = sent.get() * (peers - 1);
    log.info("sent {} msg/s, delivered {} msg/s ({} of {} expected deliveries, {} %), {} errors",
        Math.round(sent.get() / seconds), Math.round(delivered.get() / seconds), delivered.get(), expected,
        expected == 0 ? 100 : Math.round(1000.0 * delivered.get() / expected) / 10.0, errors.get());
    log.info("latency ms: p50 {} p90 {} p99 {} p99.9 {} max {}", ms(h, 50), ms(h, 90), ms(h, 99), ms(h, 99.9),
        h.getMaxValue() / 1e6);
    if (used != null && sent.get() > 0 && delivered.get() > 0) {
      log.info("server: {} CPU-ms and {} bytes sent per message sent; {} CPU-µs and {} bytes per delivery",
          Math.round(100.0 * used.cpuMillis() / sent.get()) / 100.0, used.bytesSent() / sent.get(),
          Math.round(10_000.0 * used.cpuMillis() / delivered.get()) / 10.0, used.bytesSent() / delivered.get());
    }
    vertx.close().await(10, TimeUnit.SECONDS);
    return errors.get() == 0 ? 0 : 1;
  }

  private static double ms(Histogram h, double percentile) {
    return Math.round(h.getValueAtPercentile(percentile) / 1e3) / 1e3;
  }

  /** Creates (or finds) a room, waiting out the creation rate limit as Retry-After says. */
  private Future<Void> createRoom(HttpClient http, String host, int port, String code) {
    return http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port).setURI("/api/rooms"))
        .compose(req -> req.send(new JsonObject().put("desired_room_code", code).encode())
            .compose(resp -> resp.body().compose(body -> {
              if (resp.statusCode() == 429) {
                long wait = Long.parseLong(resp.getHeader("Retry-After")) * 1000;
                return vertx.timer(wait).compose(t -> createRoom(http, host, port, code));
              }
              return resp.statusCode() == 200 ? Future.succeededFuture()
                  : Future.failedFuture("creating " + code + ": " + resp.statusCode() + " " + body);
            })));
  }

  private Future<WebSocket> join(WebSocketClient client, String host, int port, String code, String peerId) {
    return client.connect(new WebSocketConnectOptions().setHost(host).setPort(port).setURI("/ws")).compose(socket -> {
      io.vertx.core.Promise<WebSocket> connected = io.vertx.core.Promise.promise();
      socket.textMessageHandler(text -> onMessage(text, connected, socket));
      socket.closeHandler(v -> {
        if (!connected.future().isComplete() || measuring) {
          errors.incrementAndGet();
          connected.tryFail("closed with " + socket.closeStatusCode());
        }
      });
      socket.writeTextMessage(new JsonObject().put("action", "join").put("room_code", code).put("peer_id", peerId)
          .put("is_host", false).encode());
      return connected.future();
    });
  }

  private void onMessage(String text, io.vertx.core.Promise<WebSocket> connected, WebSocket socket) {
    int at = text.indexOf(STAMP);
    if (at >= 0) {
      long now = System.nanoTime();
      int end = text.indexOf(';', at + STAMP.length());
      long stamp = Long.parseLong(text.substring(at + STAMP.length(), end));
      if (measuring) {
        delivered.incrementAndGet();
        latency.recordValue(Math.max(0, now - stamp));
      }
      return;
    }
    JsonObject message = new JsonObject(text);
    switch (message.getString("type")) {
      case "connected" -> connected.tryComplete(socket);
      case "error" -> {
        errors.incrementAndGet();
        log.warn("server error: {}", message.getString("message"));
        connected.tryFail(message.getString("message"));
      }
      default -> { }
    }
  }
}
