package app.khuphaen.sync.session;

import app.khuphaen.sync.protocol.CloseCodes;
import app.khuphaen.sync.protocol.ServerMessages;
import app.khuphaen.sync.room.WireFrames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One accepted WebSocket, as the last handler of its Netty pipeline (after the frame decoder and a
 * frame aggregator; see {@code http.WebSocketUpgrade}). It is the whole per-connection state below
 * {@link Session}: Vert.x's own WebSocket objects (an HTTP request, response and headers kept for the
 * socket's life, two message queues, ~9 KB of heap per connection) are never created.
 *
 * <p>Everything here runs on the channel's event loop, and so must every caller. Frames already
 * encoded for the wire ({@link #sendFrame}) are written below the WebSocket encoder, which passes raw
 * bytes through; they are bounded like everything else by the channel's writability, which
 * {@link #isBacklogged} reports.
 *
 * <p>The protocol's rules kept here: a message over the size limit gets an error message and close
 * 1009; a malformed frame closes with the decoder's code (1002), invalid UTF-8 with 1007; pings are
 * answered; a close is echoed, and a close we start waits a moment for the client's answer before the
 * TCP connection goes (closing at once could reset the connection and lose the close frame).
 */
public final class PeerSocket extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(PeerSocket.class);
  private static final long CLOSE_ANSWER_TIMEOUT_MS = 2_000;
  private static final Consumer<String> IGNORE_TEXT = text -> {};
  private static final Runnable NOTHING = () -> {};

  private final int maxMessageBytes;
  private final boolean deflate;
  private ChannelHandlerContext ctx;
  private Consumer<String> onText = IGNORE_TEXT;
  private Runnable onBinary = NOTHING;
  private Runnable onSignOfLife = NOTHING;
  private Runnable onClosed = NOTHING;
  private boolean closeSent;
  private boolean inactive;

  /** @param deflate whether per-message deflate was negotiated for this socket */
  public PeerSocket(int maxMessageBytes, boolean deflate) {
    this.maxMessageBytes = maxMessageBytes;
    this.deflate = deflate;
  }

  /**
   * Sets what happens on each event: a complete text message; a binary message; a pong or ping from
   * the client; the connection gone (once).
   */
  public void handlers(Consumer<String> text, Runnable binary, Runnable signOfLife, Runnable closed) {
    onText = text;
    onBinary = binary;
    onSignOfLife = signOfLife;
    onClosed = closed;
    if (inactive) {
      closed.run();
    }
  }

  /**
   * Bounds what may wait in the socket's outgoing buffer: past {@code maxBytes} the channel stops
   * being writable, which {@link #isBacklogged} reports.
   */
  public void limitBacklog(int maxBytes) {
    ctx.channel().config().setWriteBufferWaterMark(new WriteBufferWaterMark(maxBytes / 2, maxBytes));
  }

  /** More than the limit waits to be sent; a channel that is closing or closed is not backlogged. */
  public boolean isBacklogged() {
    return ctx.channel().isActive() && !ctx.channel().isWritable();
  }

  /** Open: connected, and no close frame sent. */
  public boolean isOpen() {
    return !closeSent && !inactive;
  }

  public void sendText(String text) {
    ctx.writeAndFlush(new TextWebSocketFrame(text), ctx.voidPromise());
  }

  /**
   * Writes a complete wire frame ({@link app.khuphaen.sync.room.WireFrames}); takes ownership of it.
   * With per-message deflate, its payload goes through the compressor as a frame of its own instead.
   */
  public void sendFrame(ByteBuf wireFrame) {
    if (deflate) {
      int header = WireFrames.headerLength(wireFrame);
      ByteBuf payload = wireFrame.retainedSlice(wireFrame.readerIndex() + header, wireFrame.readableBytes() - header);
      wireFrame.release();
      ctx.writeAndFlush(new TextWebSocketFrame(payload), ctx.voidPromise());
    } else {
      ctx.writeAndFlush(wireFrame, ctx.voidPromise());
    }
  }

  public void ping() {
    ctx.writeAndFlush(new PingWebSocketFrame(), ctx.voidPromise());
  }

  /** Sends a close frame; the connection goes when the client answers, or after a short wait. */
  public void close(short code, String reason) {
    if (closeSent || inactive) {
      return;
    }
    closeSent = true;
    ctx.writeAndFlush(new CloseWebSocketFrame(code, reason));
    ctx.executor().schedule(() -> ctx.close(), CLOSE_ANSWER_TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  /** Sends a close frame and drops the connection once it is written (the client broke the protocol). */
  private void closeNow(int code, String reason) {
    closeSent = true;
    ctx.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof TextWebSocketFrame frame) {
        if (!closeSent) {
          String text = frame.text();
          // the JDK's decoder is fast but replaces malformed bytes with U+FFFD; only then is a strict
          // check needed (one pass over a 2 MB document instead of two)
          if (text.indexOf('\uFFFD') >= 0 && !ByteBufUtil.isText(frame.content(), StandardCharsets.UTF_8)) {
            closeNow(WebSocketCloseStatus.INVALID_PAYLOAD_DATA.code(), "Invalid UTF-8");
          } else {
            onText.accept(text);
          }
        }
      } else if (msg instanceof BinaryWebSocketFrame) {
        if (!closeSent) {
          onBinary.run();
        }
      } else if (msg instanceof PingWebSocketFrame ping) {
        onSignOfLife.run();
        ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()), ctx.voidPromise());
      } else if (msg instanceof PongWebSocketFrame) {
        onSignOfLife.run();
      } else if (msg instanceof CloseWebSocketFrame close) {
        answerClose(close);
      }
      // anything else (the end of the upgrade request, still in the decoder) is not ours
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void answerClose(CloseWebSocketFrame close) {
    if (closeSent) {
      ctx.close(); // the client's answer to our close
      return;
    }
    closeSent = true;
    int code = close.statusCode();
    CloseWebSocketFrame echo = code == -1 ? new CloseWebSocketFrame() : new CloseWebSocketFrame(code, "");
    ctx.writeAndFlush(echo).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (isTooBig(cause)) {
      if (!closeSent) {
        String reason = ServerMessages.messageTooLarge(maxMessageBytes);
        ctx.write(new TextWebSocketFrame(ServerMessages.error(reason)), ctx.voidPromise());
        closeNow(CloseCodes.MESSAGE_TOO_BIG, reason);
      }
    } else if (cause instanceof CorruptedWebSocketFrameException corrupted) {
      log.debug("malformed WebSocket frame: {}", cause.getMessage());
      if (!closeSent) {
        closeNow(corrupted.closeStatus().code(), corrupted.closeStatus().reasonText());
      }
    } else {
      log.debug("connection error: {}", cause.toString());
      ctx.close();
    }
  }

  private static boolean isTooBig(Throwable cause) {
    return cause instanceof TooLongFrameException
        || cause instanceof CorruptedWebSocketFrameException corrupted
            && WebSocketCloseStatus.MESSAGE_TOO_BIG.equals(corrupted.closeStatus());
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (!inactive) {
      inactive = true;
      onClosed.run();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    ReferenceCountUtil.release(evt); // e.g. Vert.x's server shutdown: the verticle closes its sessions itself
  }
}
