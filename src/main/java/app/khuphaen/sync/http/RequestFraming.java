package app.khuphaen.sync.http;

import app.khuphaen.sync.protocol.ErrorMessages;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The request framing rules of RFC 9112 that Netty's decoder leaves to the server, and a body the
 * decoder could not read, answered in one plain HTTP connection's Netty pipeline before Vert.x sees
 * the request. A request with both {@code Content-Length} and {@code Transfer-Encoding} (§6.1: a
 * smuggling attempt, or a broken proxy) and one with two {@code Host} headers (§3.2) are answered 400,
 * a transfer coding other than chunked 501 (§6.1), a body that is not valid chunked coding 400; each
 * then ends the connection, since what follows on it cannot be told apart from the rest of that
 * request. Each is logged as a bad request is ({@link BadRequestLog}: one line, at most once per client
 * address a minute, no stack trace), never as a failure of the server.
 */
final class RequestFraming extends ChannelDuplexHandler {
  static final String NAME = "kp-request-framing";
  /** Vert.x's request decoder, by the name it has in the pipeline. */
  static final String DECODER = "httpDecoder";

  /** Set by {@link Decoder} on the connection while the head it decoded had both lengths. */
  private static final AttributeKey<Boolean> BOTH_LENGTHS = AttributeKey.valueOf("kp.request.bothLengths");

  private final BadRequestLog badRequests;
  private final String client;
  private boolean responseStarted;
  private boolean refused;

  RequestFraming(BadRequestLog badRequests, String client) {
    this.badRequests = badRequests;
    this.client = client;
  }

  /**
   * Vert.x's request decoder, which notes a head with both {@code Content-Length} and chunked
   * {@code Transfer-Encoding}: Netty's decoder drops the length before anything after it can see it.
   */
  static final class Decoder extends VertxHttpRequestDecoder {
    private ChannelHandlerContext ctx;

    Decoder(HttpServerOptions options) {
      super(options);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
      this.ctx = ctx;
      super.handlerAdded(ctx);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
      ctx.channel().attr(BOTH_LENGTHS).set(Boolean.TRUE);
      super.handleTransferEncodingChunkedWithContentLength(message);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (refused) {
      ReferenceCountUtil.release(msg); // the connection is ending: nothing more of it is read
      return;
    }
    if (msg instanceof HttpRequest request && request.decoderResult().isFailure()) {
      // a head the decoder could not read (a full request, so also HttpContent): Vert.x answers it
      // (400, 414, 431) and ends the connection; the decoder discards everything after it
      ctx.fireChannelRead(msg);
      return;
    }
    if (msg instanceof HttpRequest request) {
      responseStarted = false;
      boolean bothLengths = ctx.channel().attr(BOTH_LENGTHS).getAndSet(null) != null;
      String coding = request.headers().get(HttpHeaderNames.TRANSFER_ENCODING);
      if (bothLengths) {
        refuse(ctx, msg, request, HttpResponseStatus.BAD_REQUEST, ErrorMessages.BAD_REQUEST,
            "both Content-Length and Transfer-Encoding");
        return;
      }
      if (request.headers().getAll(HttpHeaderNames.HOST).size() > 1) {
        refuse(ctx, msg, request, HttpResponseStatus.BAD_REQUEST, ErrorMessages.BAD_REQUEST, "more than one Host header");
        return;
      }
      if (coding != null && !"chunked".equals(coding.trim().toLowerCase(Locale.ROOT))) {
        refuse(ctx, msg, request, HttpResponseStatus.NOT_IMPLEMENTED, ErrorMessages.TRANSFER_CODING_NOT_SUPPORTED,
            "transfer coding " + coding);
        return;
      }
    } else if (msg instanceof HttpContent content && content.decoderResult().isFailure()) {
      refuse(ctx, msg, null, HttpResponseStatus.BAD_REQUEST, ErrorMessages.BAD_REQUEST,
          "unreadable body: " + content.decoderResult().cause().getMessage());
      return;
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof HttpResponse) {
      responseStarted = true;
    }
    ctx.write(msg, promise);
  }

  /** Answers (unless an answer is already on its way) and ends the connection. */
  private void refuse(ChannelHandlerContext ctx, Object msg, HttpRequest request, HttpResponseStatus status,
                      String message, String why) {
    refused = true;
    ReferenceCountUtil.release(msg);
    badRequests.refused(client, request == null ? "-" : request.method().name(), request == null ? "-" : request.uri(), why);
    if (responseStarted) {
      // the answer may still be in the outbound buffer (written, not yet flushed): out first, then the close
      ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    ByteBuf body = Unpooled.copiedBuffer(new JsonObject().put("success", false).put("error", message).encode(),
        StandardCharsets.UTF_8);
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "application/json")
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }
}
