package app.khuphaen.sync.http;

import app.khuphaen.sync.transport.HalfClose;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.HttpServerConnection;

/**
 * Ends a connection whose request the server will not read to its end (a body over the limit: 413),
 * once the answer is written: the connection stops being HTTP, and {@link HalfClose} reads and drops
 * what the client still sends (up to {@link #MAX_DISCARDED_BYTES}) before the close. The server never
 * buffers or parses the rest of the body.
 */
final class LingeringClose {
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
      HalfClose.start(channel, MAX_DISCARDED_BYTES);
    });
  }
}
