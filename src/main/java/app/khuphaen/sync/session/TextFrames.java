package app.khuphaen.sync.session;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.WriteBufferWaterMark;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;

/**
 * Writes a complete WebSocket frame ({@link app.khuphaen.sync.room.WireFrames}) straight into the
 * socket's Netty pipeline: past the WebSocket encoder (which passes raw bytes through) and through the
 * flush consolidation, without Vert.x's per-write bookkeeping, which was most of the cost of a
 * delivery. One buffer serves every receiver (each gets a retained duplicate). Safe because every
 * caller runs on the socket's own event loop, checks first that the socket is open, and bounds what
 * is queued by Netty's channel writability (which counts these bytes like any other): see
 * {@link Session}.
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

  /** Writes {@code wireFrame} (ownership passes to the channel). */
  static void write(ServerWebSocket ws, ByteBuf wireFrame) {
    ChannelHandlerContext ctx = ((WebSocketInternal) ws).channelHandlerContext();
    ctx.writeAndFlush(wireFrame, ctx.voidPromise());
  }
}
