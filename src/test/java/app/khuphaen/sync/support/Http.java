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

/** A real HTTP client for tests; each call waits for the whole answer. */
public final class Http {
  private final HttpClient client;
  private final int port;

  public record Response(int status, MultiMap headers, String body) {
    public JsonObject json() {
      return new JsonObject(body);
    }
  }

  /** @param localAddress the loopback address to send from (the server keys rate limits by it) */
  Http(Vertx vertx, int port, String localAddress) {
    this.client = vertx.createHttpClient(new HttpClientOptions().setLocalAddress(localAddress));
    this.port = port;
  }

  public Response get(String path) {
    return request(HttpMethod.GET, path, null, Map.of());
  }

  public Response post(String path, String body) {
    return request(HttpMethod.POST, path, body, Map.of());
  }

  public Response request(HttpMethod method, String path, String body, Map<String, String> headers) {
    RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(path);
    headers.forEach(options::addHeader);
    // body() is asked for in the same callback that receives the response, before it can be lost
    return Await.result(client.request(options).compose(req ->
        (body == null ? req.send() : req.send(Buffer.buffer(body))).compose((HttpClientResponse resp) ->
            resp.body().map(buf -> new Response(resp.statusCode(), resp.headers(), buf.toString())))));
  }
}
