package app.khuphaen.sync.session;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;

/**
 * Writes an already-encoded UTF-8 text frame straight into the socket's Netty pipeline: through the
 * WebSocket encoder and the flush consolidation, without Vert.x's per-write bookkeeping, which was
 * most of the cost of a delivery. One encoded buffer serves every receiver (each gets a retained
 * duplicate). Safe because every caller runs on the socket's own event loop, checks first that the
 * socket is open, and bounds what is queued by Netty's channel writability (which counts these bytes
 * like any other): see {@link Session}.
 */
final class TextFrames {
  private TextFrames() {}

  /**
   * Bounds what may wait in the socket's outgoing buffer (all frames, ours and Vert.x's): past
   * {@code maxBytes} the channel stops being writable, which {@link #isBacklogged} reports.
   */
  static void limitBacklog(ServerWebSocket ws, int maxBytes) {
    ((WebSocketInternal) ws).channelHandlerContext().channel().config()
        .setWriteBufferWaterMark(new WriteBufferWaterMark(maxBytes / 2, maxBytes));
  }

  static boolean isBacklogged(ServerWebSocket ws) {
    return !((WebSocketInternal) ws).channelHandlerContext().channel().isWritable();
  }

  /** Writes {@code utf8} (ownership passes to the channel) as one final text frame. */
  static void write(ServerWebSocket ws, ByteBuf utf8) {
    ChannelHandlerContext ctx = ((WebSocketInternal) ws).channelHandlerContext();
    ctx.writeAndFlush(new TextWebSocketFrame(true, 0, utf8), ctx.voidPromise());
  }
}
