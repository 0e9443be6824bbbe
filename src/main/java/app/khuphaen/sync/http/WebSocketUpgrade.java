package app.khuphaen.sync.http;

import app.khuphaen.sync.metrics.ServerMetrics;
import app.khuphaen.sync.transport.BufferBudget;
import app.khuphaen.sync.transport.PeerSocket;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionUtil;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtension;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.Http1xServerConnection;
import io.vertx.core.net.impl.VertxHandler;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns an HTTP upgrade request for /ws into a {@link PeerSocket}, at the Netty level: Netty's
 * handshaker answers 101 and swaps the HTTP codec for the WebSocket one, then Vert.x's connection
 * handler is replaced by a frame aggregator and the {@link PeerSocket}. Vert.x's own WebSocket would
 * keep the upgrade request and response and two message queues for the socket's whole life, which
 * this server never needs (docs/architecture.md).
 *
 * <p>Also added, first in the pipeline: {@link PeerSocket#head}, which meters incoming bytes. Writes
 * to the socket are flushed once per event-loop turn ({@code transport.TurnFlush}).
 */
final class WebSocketUpgrade {
  private static final String SERVER_NO_CONTEXT_TAKEOVER = "server_no_context_takeover";

  private final int maxMessageBytes;
  private final long maxOutgoingBytes;
  private final BufferBudget budget;
  private final ServerMetrics metrics;
  private final WebSocketDecoderConfig decoderConfig;
  /** Null unless WS_COMPRESSION is on. */
  private final PerMessageDeflateServerExtensionHandshaker deflateHandshaker;

  WebSocketUpgrade(int maxMessageBytes, boolean compression, long maxOutgoingBytes, BufferBudget budget,
                   ServerMetrics metrics) {
    this.maxMessageBytes = maxMessageBytes;
    this.maxOutgoingBytes = maxOutgoingBytes;
    this.budget = budget;
    this.metrics = metrics;
    this.decoderConfig = WebSocketDecoderConfig.newBuilder()
        .maxFramePayloadLength(maxMessageBytes)
        .allowExtensions(compression)
        .closeOnProtocolViolation(false) // PeerSocket answers with the protocol's own messages
        .build();
    // Offers asking for a smaller server window are declined (the JDK's deflater has only the
    // largest); inflating stops at MAX_MESSAGE_BYTES (the decoder then fails, answered with 1009): a
    // small compressed frame may inflate to gigabytes. Only the handshaker's decoder is used:
    // PeerSocket compresses ({@code transport.MessageDeflater}).
    this.deflateHandshaker = compression
        ? new PerMessageDeflateServerExtensionHandshaker(6, false,
            PerMessageDeflateServerExtensionHandshaker.MAX_WINDOW_SIZE, true, false, maxMessageBytes)
        : null;
  }

  static boolean isUpgrade(HttpServerRequest request) {
    String upgrade = request.getHeader(HttpHeaderNames.UPGRADE);
    return upgrade != null && upgrade.equalsIgnoreCase("websocket");
  }

  /**
   * Answers the handshake and answers the socket, or answers the request with an HTTP error
   * (400 for a malformed upgrade, 426 for an unsupported WebSocket version) and returns null.
   * Must run on the request's event loop, before anything else reads from the connection.
   */
  PeerSocket accept(HttpServerRequest request) {
    if (request.method() != io.vertx.core.http.HttpMethod.GET
        || !(request.connection() instanceof Http1xServerConnection connection)) {
      request.response().setStatusCode(400).end("Expected a WebSocket upgrade (GET)");
      return null;
    }
    FullHttpRequest handshakeRequest = nettyRequest(request);
    String location = (request.isSSL() ? "wss://" : "ws://") + request.authority() + request.path();
    WebSocketServerHandshaker handshaker =
        new WebSocketServerHandshakerFactory(location, null, decoderConfig).newHandshaker(handshakeRequest);
    if (handshaker == null) {
      request.response()
          .putHeader(HttpHeaderNames.SEC_WEBSOCKET_VERSION, WebSocketVersion.V13.toHttpHeaderValue())
          .setStatusCode(426).end();
      return null;
    }
    HttpHeaders responseHeaders = new DefaultHttpHeaders();
    WebSocketServerExtension deflate = deflateHandshaker != null ? negotiateDeflate(request, responseHeaders) : null;

    ChannelHandlerContext ctx = connection.channelHandlerContext();
    ChannelPipeline pipeline = ctx.pipeline();
    try {
      // swaps the HTTP decoder for the WebSocket decoder now, and the encoder once the 101 is written
      handshaker.handshake(ctx.channel(), handshakeRequest, responseHeaders, ctx.channel().newPromise());
    } catch (RuntimeException e) {
      request.response().setStatusCode(400).end("Invalid WebSocket handshake: " + e.getMessage());
      return null;
    }
    UpgradeMetrics.upgraded(request, connection);
    if (pipeline.get(HttpConnectionGuard.NAME) != null) {
      pipeline.remove(HttpConnectionGuard.NAME); // a WebSocket from now on: its own limits and heartbeat
    }
    if (pipeline.get(RequestFraming.NAME) != null) {
      pipeline.remove(RequestFraming.NAME); // no HTTP request comes on it any more
    }
    String vertxHandler = pipeline.context(VertxHandler.class).name();
    if (deflate != null) {
      pipeline.addBefore(vertxHandler, "kp-deflate-decoder", deflate.newExtensionDecoder());
    }
    pipeline.addBefore(vertxHandler, "kp-aggregator", new WebSocketFrameAggregator(maxMessageBytes));
    PeerSocket socket = new PeerSocket(maxMessageBytes, deflate != null, maxOutgoingBytes, budget, metrics);
    pipeline.replace(vertxHandler, "kp-socket", socket);
    pipeline.addFirst("kp-head", socket.head());
    return socket;
  }

  private static FullHttpRequest nettyRequest(HttpServerRequest request) {
    HttpHeaders headers = new DefaultHttpHeaders();
    for (Map.Entry<String, String> header : request.headers()) {
      headers.add(header.getKey(), header.getValue());
    }
    return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, request.uri(), Unpooled.EMPTY_BUFFER,
        headers, EmptyHttpHeaders.INSTANCE);
  }

  /**
   * Per-message deflate, if the client offers it acceptably: adds the answer to {@code responseHeaders},
   * always with {@code server_no_context_takeover} (RFC 7692 section 7.1.1.1 lets the server add it),
   * so that each message is compressed on its own and one compression serves every receiver.
   */
  private WebSocketServerExtension negotiateDeflate(HttpServerRequest request, HttpHeaders responseHeaders) {
    String offered = request.getHeader(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS);
    if (offered == null) {
      return null;
    }
    for (WebSocketExtensionData data : WebSocketExtensionUtil.extractExtensions(offered)) {
      WebSocketServerExtension extension = deflateHandshaker.handshakeExtension(data);
      if (extension != null) {
        Map<String, String> parameters = new LinkedHashMap<>(extension.newReponseData().parameters());
        parameters.put(SERVER_NO_CONTEXT_TAKEOVER, null);
        StringBuilder value = new StringBuilder(data.name());
        parameters.forEach((k, v) -> value.append("; ").append(k).append(v == null ? "" : "=" + v));
        responseHeaders.add(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS, value.toString());
        return extension;
      }
    }
    return null;
  }
}
