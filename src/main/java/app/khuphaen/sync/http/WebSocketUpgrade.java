package app.khuphaen.sync.http;

import app.khuphaen.sync.metrics.ServerMetrics;
import app.khuphaen.sync.transport.BufferBudget;
import app.khuphaen.sync.transport.InboundFrames;
import app.khuphaen.sync.transport.IncomingBudget;
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
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionUtil;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtension;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.Http1xServerConnection;
import io.vertx.core.net.impl.VertxHandler;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns an HTTP upgrade request for /ws into a {@link PeerSocket}, at the Netty level: Netty's
 * handshaker answers 101 and swaps the HTTP codec for the WebSocket one, then its frame decoder is
 * replaced by {@link InboundFrames} (messages read within the server's incoming budget) and Vert.x's
 * connection handler by the {@link PeerSocket}. Vert.x's own WebSocket would
 * keep the upgrade request and response and two message queues for the socket's whole life, which
 * this server never needs (docs/architecture.md).
 *
 * <p>Writes to the socket are flushed once per event-loop turn ({@code transport.TurnFlush}).
 */
final class WebSocketUpgrade {
  private static final String SERVER_NO_CONTEXT_TAKEOVER = "server_no_context_takeover";
  private static final String CLIENT_NO_CONTEXT_TAKEOVER = "client_no_context_takeover";

  private final int maxMessageBytes;
  private final long maxOutgoingBytes;
  private final BufferBudget budget;
  private final IncomingBudget incoming;
  private final int messageTimeoutSeconds;
  private final ServerMetrics metrics;
  private final WebSocketDecoderConfig decoderConfig;
  /** Null unless WS_COMPRESSION is on. */
  private final PerMessageDeflateServerExtensionHandshaker deflateHandshaker;

  WebSocketUpgrade(int maxMessageBytes, boolean compression, long maxOutgoingBytes, BufferBudget budget,
                   IncomingBudget incoming, int messageTimeoutSeconds, ServerMetrics metrics) {
    this.maxMessageBytes = maxMessageBytes;
    this.maxOutgoingBytes = maxOutgoingBytes;
    this.budget = budget;
    this.incoming = incoming;
    this.messageTimeoutSeconds = messageTimeoutSeconds;
    this.metrics = metrics;
    this.decoderConfig = WebSocketDecoderConfig.newBuilder()
        .maxFramePayloadLength(maxMessageBytes)
        .allowExtensions(compression)
        .closeOnProtocolViolation(false) // PeerSocket answers with the protocol's own messages
        .build();
    // Offers asking for a smaller server window are declined (the JDK's deflater has only the
    // largest). The handshaker only negotiates: InboundFrames inflates and PeerSocket compresses
    // ({@code transport.MessageDeflater}).
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
    boolean deflate = deflateHandshaker != null && negotiateDeflate(request, responseHeaders);

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
    pipeline.replace(WebSocketFrameDecoder.class, "kp-frames", new InboundFrames(maxMessageBytes, deflate, incoming, messageTimeoutSeconds));
    PeerSocket socket = new PeerSocket(maxMessageBytes, deflate, maxOutgoingBytes, budget, metrics);
    pipeline.replace(pipeline.context(VertxHandler.class).name(), "kp-socket", socket);
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
   * always with {@code server_no_context_takeover} and {@code client_no_context_takeover} (RFC 7692
   * sections 7.1.1.1 and 7.1.1.2 let the server add them): each message is compressed on its own, so
   * one compression serves every receiver, and each message inflates on its own, so a socket keeps no
   * inflater between messages.
   */
  private boolean negotiateDeflate(HttpServerRequest request, HttpHeaders responseHeaders) {
    String offered = request.getHeader(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS);
    if (offered == null) {
      return false;
    }
    for (WebSocketExtensionData data : WebSocketExtensionUtil.extractExtensions(offered)) {
      WebSocketServerExtension extension = deflateHandshaker.handshakeExtension(data);
      if (extension != null) {
        Map<String, String> parameters = new LinkedHashMap<>(extension.newReponseData().parameters());
        parameters.put(SERVER_NO_CONTEXT_TAKEOVER, null);
        parameters.put(CLIENT_NO_CONTEXT_TAKEOVER, null);
        StringBuilder value = new StringBuilder(data.name());
        parameters.forEach((k, v) -> value.append("; ").append(k).append(v == null ? "" : "=" + v));
        responseHeaders.add(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS, value.toString());
        return true;
      }
    }
    return false;
  }
}
