package app.khuphaen.sync.operations;

import app.khuphaen.sync.metrics.EarlyConnectionSafeMetrics;
import app.khuphaen.sync.metrics.Instrumentation;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.MultiMap;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A connection Vert.x accepted before its HTTP server had made its metrics carries no connection
 * metric. Micrometer's own metrics throw on its requests (so Vert.x never answers them); the server's
 * leave it unmeasured and measure every other connection as before.
 */
class EarlyConnectionSafeMetricsTest {
  private static final SocketAddress CLIENT = SocketAddress.inetSocketAddress(40000, "127.0.0.1");
  private static final HttpRequest HEALTH = new HttpRequest() {
    @Override public int id() { return 1; }
    @Override public String uri() { return "/health"; }
    @Override public String absoluteURI() { return "http://127.0.0.1/health"; }
    @Override public HttpMethod method() { return HttpMethod.GET; }
    @Override public MultiMap headers() { return MultiMap.caseInsensitiveMultiMap(); }
    @Override public SocketAddress remoteAddress() { return CLIENT; }
  };
  private static final HttpResponse OK = new HttpResponse() {
    @Override public int statusCode() { return 200; }
    @Override public MultiMap headers() { return MultiMap.caseInsensitiveMultiMap(); }
  };

  private final PrometheusMeterRegistry registry = Instrumentation.newRegistry();

  @Test
  void micrometerAloneThrowsOnARequestOfAConnectionWithoutMetric() {
    HttpServerMetrics<Object, Object, Object> plain = httpServerMetrics(new MicrometerMetricsFactory(registry));
    assertThrows(NullPointerException.class, () -> plain.requestBegin(null, HEALTH));
  }

  @Test
  void aConnectionWithoutMetricIsLeftUnmeasuredAndTheOthersAreMeasured() {
    HttpServerMetrics<Object, Object, Object> metrics = httpServerMetrics(new EarlyConnectionSafeMetrics(registry));

    Object early = metrics.requestBegin(null, HEALTH);
    assertNull(early);
    metrics.requestEnd(early, HEALTH, 0);
    metrics.responseBegin(early, OK);
    metrics.responseEnd(early, OK, 100);
    metrics.bytesRead(null, CLIENT, 100);
    metrics.bytesWritten(null, CLIENT, 100);
    metrics.disconnected(null, CLIENT);
    assertEquals(0, requests());

    Object connection = metrics.connected(CLIENT, "127.0.0.1");
    Object request = metrics.requestBegin(connection, HEALTH);
    metrics.requestEnd(request, HEALTH, 0);
    metrics.responseBegin(request, OK);
    metrics.responseEnd(request, OK, 100);
    metrics.disconnected(connection, CLIENT);
    assertEquals(1, requests());
  }

  @SuppressWarnings("unchecked")
  private static HttpServerMetrics<Object, Object, Object> httpServerMetrics(VertxMetricsFactory factory) {
    VertxOptions options = new VertxOptions().setMetricsOptions(
        new MicrometerMetricsOptions().setEnabled(true).setRegistryName("early-" + UUID.randomUUID()));
    return (HttpServerMetrics<Object, Object, Object>) factory.metrics(options)
        .createHttpServerMetrics(new HttpServerOptions(), SocketAddress.inetSocketAddress(3001, "127.0.0.1"));
  }

  private double requests() {
    var counter = registry.find("vertx.http.server.requests").counter();
    return counter == null ? 0 : counter.count();
  }
}
