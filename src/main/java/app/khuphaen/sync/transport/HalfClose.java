package app.khuphaen.sync.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;

import java.util.concurrent.TimeUnit;

/**
 * Ending a connection whose client may still be sending (a message or body the server refused part
 * way). Closing at once, with its bytes unread or still arriving, makes the kernel answer with a
 * reset: the client's writes fail, and the answer it was sent (a 413, an error and close 1009) can be
 * destroyed before it reads it. So our side is shut after the answer (the client sees its end), what
 * the client still sends is read and dropped without being decoded, and the connection closes when
 * the client closes its side, or after {@link #LINGER_MS}, or once more than a given number of bytes
 * came: the budget for a client that never stops.
 */
public final class HalfClose {
  public static final long LINGER_MS = 2_000;

  private HalfClose() {}

  /**
   * Call on the channel's event loop, once the answer is written: from here on every byte read is
   * dropped before any decoder sees it, our side is shut, and the channel closes within LINGER_MS.
   */
  public static void start(Channel channel, long maxDiscardedBytes) {
    if (!channel.isActive()) {
      return;
    }
    channel.pipeline().addFirst(new Discard(maxDiscardedBytes));
    SslHandler ssl = channel.pipeline().get(SslHandler.class);
    if (ssl != null) {
      ssl.closeOutbound();
    } else if (channel instanceof DuplexChannel duplex) {
      duplex.shutdownOutput();
    }
    channel.eventLoop().schedule(() -> channel.close(), LINGER_MS, TimeUnit.MILLISECONDS);
  }

  /** Reads and drops everything; closes past its budget. Other events pass on (the owner still hears the close). */
  private static final class Discard extends ChannelInboundHandlerAdapter {
    private final long maxBytes;
    private long discarded;

    Discard(long maxBytes) {
      this.maxBytes = maxBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf buf) {
        discarded += buf.readableBytes();
      }
      ReferenceCountUtil.release(msg);
      if (discarded > maxBytes) {
        ctx.close();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
