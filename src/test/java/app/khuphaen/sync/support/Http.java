package app.khuphaen.sync.support;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.function.Predicate;

/** A real HTTP client for tests; each call waits for the whole answer. */
public final class Http {
  private static final long AWAIT_SECONDS = 20;
  private final Vertx vertx;
  private final HttpClient client;
  private final int port;

  public record Response(int status, MultiMap headers, String body) {
    public JsonObject json() {
      return new JsonObject(body);
    }
  }

  /** @param localAddress the loopback address to send from (the server keys rate limits by it) */
  public Http(Vertx vertx, int port, String localAddress) {
    this(vertx, port, new HttpClientOptions().setLocalAddress(localAddress));
  }

  private Http(Vertx vertx, int port, HttpClientOptions options) {
    this.vertx = vertx;
    this.client = vertx.createHttpClient(options);
    this.port = port;
  }

  /** A client that opens a connection per request and closes it after the answer (no keep-alive). */
  public static Http withoutKeepAlive(Vertx vertx, int port) {
    return new Http(vertx, port, new HttpClientOptions().setKeepAlive(false));
  }

  public Response get(String path) {
    return request(HttpMethod.GET, path, null, Map.of());
  }

  /**
   * Asks {@code path} until the answer is {@code done} (within 20 s): for state that changes in the
   * background (a write-behind store, health during an outage) and announces itself nowhere.
   */
  public Response await(String path, Predicate<Response> done, String what) {
    Response[] last = new Response[1];
    try {
      Await.until(what, AWAIT_SECONDS, () -> done.test(last[0] = get(path)));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("not within " + AWAIT_SECONDS + " s: " + what + "; last answer "
          + (last[0] == null ? "none" : last[0].status() + " " + abbreviate(last[0].body())), e);
    }
    return last[0];
  }

  public Response awaitStatus(String path, int status) {
    return await(path, r -> r.status() == status, path + " answering " + status);
  }

  /** Waits until the store has {@code expected} as the room's latest document. */
  public Response awaitStored(String code, String expected) {
    return await("/api/rooms/" + code + "/document",
        r -> r.status() == 200 && r.body().equals(expected), "document '" + abbreviate(expected) + "' stored");
  }

  private static String abbreviate(String s) {
    return s.length() > 60 ? s.substring(0, 60) + "…" : s;
  }

  public Response post(String path, String body) {
    return request(HttpMethod.POST, path, body, Map.of());
  }

  public Response request(HttpMethod method, String path, String body, Map<String, String> headers) {
    MultiMap lines = MultiMap.caseInsensitiveMultiMap();
    headers.forEach(lines::add);
    return request(method, path, body, lines);
  }

  /** With {@code headers} as header lines, in order: a name may come more than once. */
  public Response request(HttpMethod method, String path, String body, MultiMap headers) {
    RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(path);
    headers.forEach(options::addHeader);
    try {
      // body() is asked for in the same callback that receives the response, before it can be lost
      return Await.result(client.request(options).compose(req ->
          (body == null ? req.send() : req.send(Buffer.buffer(body))).compose((HttpClientResponse resp) ->
              resp.body().map(buf -> new Response(resp.statusCode(), resp.headers(), buf.toString())))));
    } finally {
      // Vert.x 5 closes a client that becomes unreachable, connections and requests in flight
      // included: a one-off Http (new Http(...).get(...)) must outlive its request
      java.lang.ref.Reference.reachabilityFence(this);
    }
  }
}
