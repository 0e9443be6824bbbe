package app.khuphaen.sync.http;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.Http1xServerConnection;
import io.vertx.core.http.impl.Http1xServerRequest;
import io.vertx.core.spi.metrics.HttpServerMetrics;

/**
 * Vert.x's HTTP server metrics for a connection that {@link WebSocketUpgrade} takes out of Vert.x.
 * They saw the upgrade request begin but would never see it end, nor the connection close (both are
 * reported by the handler the upgrade replaces): the active-request and active-connection gauges
 * would only grow. So the upgrade is reported as a request answered 101, and the close when the
 * channel closes. The WebSocket's own traffic is in the kp_* meters.
 */
final class UpgradeMetrics {
  private UpgradeMetrics() {}

  @SuppressWarnings({"unchecked", "rawtypes"})
  static void upgraded(HttpServerRequest request, Http1xServerConnection connection) {
    HttpServerMetrics metrics = connection.metrics();
    if (metrics == null || !(request instanceof Http1xServerRequest vertxRequest)) {
      return; // metrics off
    }
    vertxRequest.response().setStatusCode(101);
    metrics.requestEnd(vertxRequest.metric(), vertxRequest, 0);
    metrics.responseEnd(vertxRequest.metric(), (io.vertx.core.spi.observability.HttpResponse) vertxRequest.response(), 0);
    Object connectionMetric = connection.metric();
    io.vertx.core.net.SocketAddress remote = connection.remoteAddress();
    connection.channelHandlerContext().channel().closeFuture()
        .addListener(f -> metrics.disconnected(connectionMetric, remote));
  }
}
