package app.khuphaen.sync.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * The timeouts of one plain HTTP connection, in its Netty pipeline right after Vert.x's HTTP codec:
 * a new connection must deliver a request head within HTTP_HEADER_TIMEOUT_SECONDS; a request's body,
 * and the next request head after a response, must each arrive within HTTP_IDLE_TIMEOUT_SECONDS.
 * Otherwise the connection is closed (a slowloris holds nothing for long). While the server works on
 * a request no timer runs. Removed when the connection becomes a WebSocket (which has its own
 * heartbeat); on removal — upgrade or close — the connection leaves its address's count.
 */
final class HttpConnectionGuard extends ChannelDuplexHandler {
  static final String NAME = "kp-http-guard";

  private final long headerTimeoutMs;
  private final long idleTimeoutMs;
  private final Runnable onRemoved;
  private ScheduledFuture<?> deadline;
  private boolean removed;

  HttpConnectionGuard(int headerTimeoutSeconds, int idleTimeoutSeconds, Runnable onRemoved) {
    this.headerTimeoutMs = TimeUnit.SECONDS.toMillis(headerTimeoutSeconds);
    this.idleTimeoutMs = TimeUnit.SECONDS.toMillis(idleTimeoutSeconds);
    this.onRemoved = onRemoved;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    arm(ctx, headerTimeoutMs);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest) {
      arm(ctx, idleTimeoutMs); // now its body
    }
    if (msg instanceof LastHttpContent) {
      disarm(); // the whole request is in: the server's turn
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof LastHttpContent) {
      ChannelPromise written = promise.unvoid();
      written.addListener(f -> arm(ctx, idleTimeoutMs)); // the response is out: the client's turn
      ctx.write(msg, written);
    } else {
      ctx.write(msg, promise);
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    removed = true;
    disarm();
    onRemoved.run();
  }

  private void arm(ChannelHandlerContext ctx, long timeoutMs) {
    disarm();
    if (!removed) {
      deadline = ctx.executor().schedule(() -> {
        ctx.close();
      }, timeoutMs, TimeUnit.MILLISECONDS);
    }
  }

  private void disarm() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
  }
}
