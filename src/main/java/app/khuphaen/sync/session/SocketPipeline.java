package app.khuphaen.sync.session;

import app.khuphaen.sync.protocol.CloseCodes;
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
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;

import java.util.Map;

/**
 * What this server adds to each accepted WebSocket's Netty pipeline (on its event loop, before it
 * reads a frame):
 *
 * <ul>
 *   <li>Flush consolidation, first in the pipeline. Vert.x flushes every frame on its own (one
 *       {@code write} system call and one TCP segment per delivery), which is nearly all of a relay's
 *       cost; frames bound for the same socket within one event-loop turn now leave in one write.
 *       {@code consolidateWhenNoReadInProgress} matters: receivers are not reading when a fan-out
 *       writes to them. A pending flush is done at the end of the turn, so nothing waits longer.</li>
 *   <li>This handler, after the WebSocket codec: a message over MAX_MESSAGE_BYTES is stopped by
 *       Netty's frame decoder before it is read, and Vert.x then drops the connection without a word
 *       (the client sees 1006); here that failure becomes what the protocol promises, an error
 *       message and close 1009.</li>
 * </ul>
 */
public final class SocketPipeline extends ChannelInboundHandlerAdapter {
  private static final int FLUSHES_BEFORE_FORCED_FLUSH = 256;

  private final int limit;

  private SocketPipeline(int limit) {
    this.limit = limit;
  }

  public static void install(ServerWebSocket ws, int maxMessageBytes) {
    ChannelPipeline pipeline = ((WebSocketInternal) ws).channelHandlerContext().pipeline();
    pipeline.addFirst("kp-flush-consolidation", new FlushConsolidationHandler(FLUSHES_BEFORE_FORCED_FLUSH, true));
    for (Map.Entry<String, ChannelHandler> entry : pipeline) {
      // after the encoder (which follows the decoder), so that what this handler writes is encoded
      if (entry.getValue() instanceof WebSocketFrameEncoder) {
        pipeline.addAfter(entry.getKey(), "kp-oversize-guard", new SocketPipeline(maxMessageBytes));
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
      ctx.writeAndFlush(new CloseWebSocketFrame(CloseCodes.MESSAGE_TOO_BIG, reason))
          .addListener(done -> ctx.close());
      return;
    }
    ctx.fireExceptionCaught(cause);
  }
}
