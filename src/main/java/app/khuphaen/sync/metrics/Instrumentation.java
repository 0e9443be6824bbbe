package app.khuphaen.sync.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsOptions;

import java.util.EnumSet;
import java.util.UUID;

import static io.vertx.micrometer.Label.EB_SIDE;
import static io.vertx.micrometer.Label.HTTP_CODE;
import static io.vertx.micrometer.Label.HTTP_METHOD;
import static io.vertx.micrometer.Label.POOL_NAME;
import static io.vertx.micrometer.Label.POOL_TYPE;

/**
 * A Vert.x instance that reports to a Prometheus registry of its own: its HTTP server, event bus and
 * pools, Netty's allocator and event loops, and the JVM, next to the server's {@link ServerMetrics}.
 */
public final class Instrumentation {
  private Instrumentation() {}

  public static PrometheusMeterRegistry newRegistry() {
    return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  /**
   * A builder for a Vert.x that reports to {@code registry}. Labels are Vert.x's defaults, spelled
   * out because none of them may carry a room code: no HTTP path, no event-bus address, no remote
   * address. Each instance gets a registry name of its own (Vert.x keeps backends by name, JVM-wide,
   * and tests run several nodes in one JVM).
   */
  public static VertxBuilder vertxBuilder(VertxOptions options, PrometheusMeterRegistry registry) {
    options.setMetricsOptions(new MicrometerMetricsOptions()
        .setEnabled(true)
        .setRegistryName("kp-" + UUID.randomUUID())
        .setJvmMetricsEnabled(true)
        .setNettyMetricsEnabled(true)
        .setLabels(EnumSet.of(HTTP_METHOD, HTTP_CODE, POOL_TYPE, POOL_NAME, EB_SIDE)));
    return Vertx.builder().with(options).withMetrics(new EarlyConnectionSafeMetrics(registry));
  }
}
