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

/**
 * A real HTTP client for tests; each call waits for the whole answer. It remembers the host key of
 * every room it sees created (in this JVM, whichever client created it), for the routes that take it.
 */
public final class Http {
  private static final java.util.Map<String, String> HOST_KEYS = new java.util.concurrent.ConcurrentHashMap<>();
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
    return await(path, Map.of(), done, what);
  }

  /** As {@link #await(String, Predicate, String)}, each request with {@code headers}. */
  public Response await(String path, Map<String, String> headers, Predicate<Response> done, String what) {
    Response[] last = new Response[1];
    try {
      Await.until(what, AWAIT_SECONDS, () -> done.test(last[0] = request(HttpMethod.GET, path, null, headers)));
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
    return await("/api/rooms/" + code + "/document", hostAuthorization(code),
        r -> r.status() == 200 && r.body().equals(expected), "document '" + abbreviate(expected) + "' stored");
  }

  /** The room's host key, as its creation answered it to any client of this JVM. */
  public static String hostKey(String code) {
    String key = HOST_KEYS.get(code);
    if (key == null) {
      throw new AssertionError("no room " + code + " was created through a test client");
    }
    return key;
  }

  /** GET {@code path} with the host key of room {@code code} (the stored documents and revisions need it). */
  public Response asHost(String code, String path) {
    return request(HttpMethod.GET, path, null, hostAuthorization(code));
  }

  /** The Authorization header of room {@code code}'s host. */
  public static Map<String, String> hostAuthorization(String code) {
    return Map.of("Authorization", "Bearer " + hostKey(code));
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
      Response response = Await.result(client.request(options).compose(req ->
          (body == null ? req.send() : req.send(Buffer.buffer(body))).compose((HttpClientResponse resp) ->
              resp.body().map(buf -> new Response(resp.statusCode(), resp.headers(), buf.toString())))));
      if (method == HttpMethod.POST && "/api/rooms".equals(path) && response.status() == 200) {
        JsonObject created = response.json();
        if (created.getString("host_key") != null) {
          HOST_KEYS.put(created.getString("room_code"), created.getString("host_key"));
        }
      }
      return response;
    } finally {
      // Vert.x 5 closes a client that becomes unreachable, connections and requests in flight
      // included: a one-off Http (new Http(...).get(...)) must outlive its request
      java.lang.ref.Reference.reachabilityFence(this);
    }
  }
}
