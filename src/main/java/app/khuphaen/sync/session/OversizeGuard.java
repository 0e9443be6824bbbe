package app.khuphaen.sync.session;

import app.khuphaen.sync.protocol.ServerMessages;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;

import java.util.Map;

/**
 * A message over MAX_MESSAGE_BYTES is stopped by Netty's frame decoder before it is read, and Vert.x
 * then drops the connection without a word (the client sees 1006). This handler, placed after the
 * WebSocket codec, turns that failure into what the protocol promises: an error message and close 1009.
 */
public final class OversizeGuard extends ChannelInboundHandlerAdapter {
  private final int limit;

  private OversizeGuard(int limit) {
    this.limit = limit;
  }

  /** Installs the guard on a newly accepted socket (on its event loop, before it reads any frame). */
  public static void install(ServerWebSocket ws, int limit) {
    ChannelPipeline pipeline = ((WebSocketInternal) ws).channelHandlerContext().pipeline();
    for (Map.Entry<String, ChannelHandler> entry : pipeline) {
      // after the encoder (which follows the decoder), so that what this handler writes is encoded
      if (entry.getValue() instanceof WebSocketFrameEncoder) {
        pipeline.addAfter(entry.getKey(), "kp-oversize-guard", new OversizeGuard(limit));
        return;
      }
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof CorruptedWebSocketFrameException corrupted
        && WebSocketCloseStatus.MESSAGE_TOO_BIG.equals(corrupted.closeStatus())) {
      String reason = ServerMessages.messageTooLarge(limit);
      ctx.write(new TextWebSocketFrame(ServerMessages.error(reason)));
      // ctx.close(), not channel().close(): the latter passes through Vert.x, which would start a
      // second, graceful close (1000) and wait for the client; Vert.x still sees the channel go inactive
      ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.MESSAGE_TOO_BIG.code(), reason))
          .addListener(done -> ctx.close());
      return;
    }
    ctx.fireExceptionCaught(cause);
  }
}
