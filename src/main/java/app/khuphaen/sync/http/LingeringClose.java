package app.khuphaen.sync.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.HttpServerConnection;

import java.util.concurrent.TimeUnit;

/**
 * Ends a connection whose request the server will not read to its end (a body over the limit: 413).
 * Closing at once, with the rest of the body unread, makes the kernel answer with a reset, which can
 * destroy the response before the client reads it. So: the answer is written, our side of the
 * connection is shut (the client sees the end of the response), and what the client still sends is
 * read and dropped — up to {@link #MAX_DISCARDED_BYTES} or {@link #LINGER_MS} — before the close.
 * The server never buffers or parses the rest of the body.
 */
final class LingeringClose {
  static final long LINGER_MS = 2_000;
  static final long MAX_DISCARDED_BYTES = 1024 * 1024;

  private LingeringClose() {}

  /** Call once the response to {@code request} is written. */
  static void start(HttpServerRequest request) {
    if (!(request.connection() instanceof HttpServerConnection connection)) {
      request.connection().close();
      return;
    }
    Channel channel = connection.channelHandlerContext().channel();
    channel.eventLoop().execute(() -> {
      if (!channel.isActive()) {
        return;
      }
      ChannelPipeline pipeline = channel.pipeline();
      // from here on the connection is not HTTP any more: nothing above the TLS layer reads it
      for (String name : pipeline.names()) {
        if (pipeline.context(name) != null && !(pipeline.get(name) instanceof SslHandler)) {
          pipeline.remove(name);
        }
      }
      pipeline.addLast(new Discard());
      SslHandler ssl = pipeline.get(SslHandler.class);
      if (ssl != null) {
        ssl.closeOutbound();
      } else if (channel instanceof DuplexChannel duplex) {
        duplex.shutdownOutput();
      }
      channel.eventLoop().schedule(() -> channel.close(), LINGER_MS, TimeUnit.MILLISECONDS);
    });
  }

  private static final class Discard extends ChannelInboundHandlerAdapter {
    private long discarded;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf buf) {
        discarded += buf.readableBytes();
      }
      ReferenceCountUtil.release(msg);
      if (discarded > MAX_DISCARDED_BYTES) {
        ctx.close();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
