package app.khuphaen.sync.transport;

import app.khuphaen.sync.protocol.ErrorMessages;
import app.khuphaen.sync.protocol.CloseCodes;
import app.khuphaen.sync.protocol.ServerMessages;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.compression.DecompressionException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One accepted WebSocket, as the last handler of its Netty pipeline (after the frame decoder and a
 * frame aggregator; see {@code http.WebSocketUpgrade}). It is the whole per-connection state below
 * {@code Session}: Vert.x's own WebSocket objects (an HTTP request, response and headers kept for the
 * socket's life, two message queues) are never created.
 *
 * <p>Everything here runs on the channel's event loop, and so must every caller (except
 * {@link #shed}). Frames already encoded for the wire ({@link #sendFrame}) are written below the
 * WebSocket encoder, which passes raw bytes through.
 *
 * <p>Memory: every frame written to the client — relayed frames, answers, pongs — goes through one
 * path. While Netty holds less than {@link #NETTY_HIGH_WATER} for the socket, it goes straight to
 * Netty; beyond that it waits here, and what waits (plus what Netty holds once past that mark) counts
 * against the socket's bound (OUTBOUND_QUEUE_BYTES) and the server's {@link BufferBudget}. Over its
 * bound, or shed by the budget, the client is too slow: {@link Listener#onTooSlow} is told, and its
 * close drops what waits here, so the close frame goes out right behind what Netty already has.
 * Bytes of a message still arriving count against the budget too, past {@link #INBOUND_SLACK}.
 *
 * <p>The protocol's rules kept here: a message over the size limit gets an error message and close
 * 1009; a malformed frame closes with the decoder's code (1002), invalid UTF-8 with 1007; pings are
 * answered; a close is echoed, and a close we start waits a moment for the client's answer before the
 * TCP connection goes (closing at once could reset the connection and lose the close frame).
 */
public final class PeerSocket extends ChannelInboundHandlerAdapter {
  /** What the socket's owner hears; every method runs on the socket's event loop. */
  public interface Listener {
    void onText(String text);

    void onBinary();

    /** A ping or pong from the client. */
    void onSignOfLife();

    /** The client does not read fast enough (its bound or the server's budget): it should be closed. */
    void onTooSlow(String why);

    /** The connection is gone; once. */
    void onClosed();
  }

  private static final Logger log = LoggerFactory.getLogger(PeerSocket.class);
  private static final long CLOSE_ANSWER_TIMEOUT_MS = 2_000;
  /** Netty's write buffer marks: below them a socket is keeping up and nothing is charged. */
  static final int NETTY_HIGH_WATER = 32 * 1024;
  private static final int NETTY_LOW_WATER = 16 * 1024;
  /** Incoming bytes of an unfinished message that are not charged to the budget. */
  static final int INBOUND_SLACK = 64 * 1024;
  private static final Listener NOBODY = new Listener() {
    @Override public void onText(String text) {}
    @Override public void onBinary() {}
    @Override public void onSignOfLife() {}
    @Override public void onTooSlow(String why) {}
    @Override public void onClosed() {}
  };

  private final int maxMessageBytes;
  private final boolean deflate;
  private final long maxOutgoingBytes;
  private final BufferBudget budget;
  private ChannelHandlerContext ctx;
  private Listener listener = NOBODY;
  private boolean closeSent;
  private boolean inactive;
  /** Frames Netty was not given yet (it holds NETTY_HIGH_WATER or more); null while none ever waited. */
  private ArrayDeque<Object> waiting;
  private long waitingBytes;
  private long chargedOutgoing; // waitingBytes, plus what Netty holds while it is past its high mark
  private long incomingBytes; // of the message still arriving
  private long chargedIncoming;
  private volatile long outgoing; // chargedOutgoing, for the budget's choice (read from any thread)
  private volatile long held; // chargedOutgoing + chargedIncoming
  private volatile boolean shed;

  /**
   * @param deflate whether per-message deflate was negotiated for this socket
   * @param maxOutgoingBytes OUTBOUND_QUEUE_BYTES: at most this much may wait to be sent to the client
   */
  public PeerSocket(int maxMessageBytes, boolean deflate, long maxOutgoingBytes, BufferBudget budget) {
    this.maxMessageBytes = maxMessageBytes;
    this.deflate = deflate;
    this.maxOutgoingBytes = maxOutgoingBytes;
    this.budget = budget;
  }

  /** Sets who hears this socket's events; if it is already gone, tells it at once. */
  public void listen(Listener listener) {
    this.listener = listener;
    if (inactive) {
      listener.onClosed();
    }
  }

  /** Open: connected, and no close frame sent. */
  public boolean isOpen() {
    return !closeSent && !inactive;
  }

  public void sendText(String text) {
    write(new TextWebSocketFrame(text));
  }

  /**
   * Writes a complete wire frame ({@link WireFrames}); takes ownership of it.
   * With per-message deflate, its payload goes through the compressor as a frame of its own instead.
   */
  public void sendFrame(ByteBuf wireFrame) {
    if (deflate) {
      int header = WireFrames.headerLength(wireFrame);
      ByteBuf payload = wireFrame.retainedSlice(wireFrame.readerIndex() + header, wireFrame.readableBytes() - header);
      wireFrame.release();
      write(new TextWebSocketFrame(payload));
    } else {
      write(wireFrame);
    }
  }

  public void ping() {
    write(new PingWebSocketFrame());
  }

  /**
   * Sends a close frame; the connection goes when the client answers, or after a short wait. What
   * still waits to be sent is dropped: the close goes out right behind what Netty already holds.
   */
  public void close(short code, String reason) {
    if (closeSent || inactive) {
      return;
    }
    closeSent = true;
    dropWaiting();
    ctx.writeAndFlush(new CloseWebSocketFrame(code, reason));
    ctx.executor().schedule(() -> ctx.close(), CLOSE_ANSWER_TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  /** Sends a close frame and drops the connection once it is written (the client broke the protocol). */
  private void closeNow(int code, String reason) {
    closeSent = true;
    dropWaiting();
    ctx.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * The one way a frame goes to the client. Straight to Netty while the client keeps up; otherwise it
   * waits, within the socket's bound.
   */
  private void write(Object frame) {
    if (closeSent || inactive) {
      ReferenceCountUtil.release(frame);
      return;
    }
    Channel channel = ctx.channel();
    if ((waiting == null || waiting.isEmpty()) && channel.isWritable()) {
      ctx.writeAndFlush(frame, ctx.voidPromise());
      if (!channel.isWritable()) {
        recharge(); // this frame took Netty past its mark: what it holds now counts
      }
      return;
    }
    int bytes = sizeOf(frame);
    if (chargedOutgoing + bytes > maxOutgoingBytes) {
      ReferenceCountUtil.release(frame);
      tooSlow("more than " + maxOutgoingBytes + " bytes waiting to be sent to it");
      return;
    }
    if (waiting == null) {
      waiting = new ArrayDeque<>();
    }
    waiting.add(frame);
    waitingBytes += bytes;
    recharge();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    Channel channel = ctx.channel();
    if (channel.isWritable() && waiting != null && !waiting.isEmpty()) {
      while (channel.isWritable() && !waiting.isEmpty()) {
        Object frame = waiting.poll();
        waitingBytes -= sizeOf(frame);
        ctx.write(frame, ctx.voidPromise());
      }
      ctx.flush();
    }
    recharge();
  }

  /** Brings what this socket has charged to the budget up to date with what it holds. */
  private void recharge() {
    Channel channel = ctx.channel();
    long inNetty = 0;
    if (!inactive && !channel.isWritable() && channel.unsafe().outboundBuffer() != null) {
      inNetty = channel.unsafe().outboundBuffer().totalPendingWriteBytes();
    }
    long now = waitingBytes + inNetty;
    if (now != chargedOutgoing) {
      long delta = now - chargedOutgoing;
      chargedOutgoing = now;
      outgoing = now;
      charge(delta);
    }
  }

  private void charge(long delta) {
    long total = chargedOutgoing + chargedIncoming;
    held = total;
    if (total == 0) {
      budget.release(this, -delta);
    } else {
      budget.adjust(this, delta);
    }
  }

  private void dropWaiting() {
    if (waiting != null) {
      waiting.forEach(ReferenceCountUtil::release);
      waiting.clear();
      waitingBytes = 0;
    }
    if (ctx != null) {
      recharge(); // once inactive, Netty holds nothing for it any more
    }
  }

  private void tooSlow(String why) {
    if (!closeSent && !inactive) {
      dropWaiting();
      listener.onTooSlow(why);
    }
  }

  /** Bytes a frame takes in memory (its payload; a wire frame's header included). */
  private static int sizeOf(Object frame) {
    if (frame instanceof ByteBuf buf) {
      return buf.readableBytes();
    }
    return frame instanceof io.netty.buffer.ByteBufHolder holder ? holder.content().readableBytes() + 14 : 14;
  }

  /** Charged outgoing bytes, for the budget (any thread). */
  long outgoingBytes() {
    return outgoing;
  }

  /** Everything charged, for the budget (any thread). */
  long heldBytes() {
    return held;
  }

  boolean isShed() {
    return shed;
  }

  /** The budget closes this socket to free what it holds; from any thread. False if it was already. */
  boolean shed() {
    if (shed) {
      return false;
    }
    shed = true;
    ctx.executor().execute(() -> tooSlow("the server's buffer budget (" + budget.limit()
        + " bytes) is spent and it held " + heldBytes() + " of them"));
    return true;
  }

  /**
   * The handler to put first in the socket's pipeline: Netty's flush consolidation (see
   * {@code http.WebSocketUpgrade}), which also counts every read's bytes against the budget while a
   * message is still arriving. One handler for both: each saves a pipeline context per connection.
   */
  public ChannelDuplexHandler head(int flushesBeforeForcedFlush) {
    return new Head(flushesBeforeForcedFlush);
  }

  private final class Head extends FlushConsolidationHandler {
    Head(int flushesBeforeForcedFlush) {
      super(flushesBeforeForcedFlush, true);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
      if (msg instanceof ByteBuf buf) {
        incomingBytes += buf.readableBytes();
        if (incomingBytes > INBOUND_SLACK) {
          long delta = incomingBytes - chargedIncoming;
          chargedIncoming = incomingBytes;
          charge(delta);
        }
      }
      super.channelRead(ctx, msg);
    }
  }

  /** A whole message arrived: what was charged for it is free again. */
  private void messageComplete() {
    incomingBytes = 0;
    if (chargedIncoming != 0) {
      long delta = -chargedIncoming;
      chargedIncoming = 0;
      charge(delta);
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    ctx.channel().config().setWriteBufferWaterMark(new WriteBufferWaterMark(NETTY_LOW_WATER, NETTY_HIGH_WATER));
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof TextWebSocketFrame frame) {
        messageComplete();
        if (!closeSent) {
          String text = frame.text();
          // the JDK's decoder is fast but replaces malformed bytes with U+FFFD; only then is a strict
          // check needed (one pass over a 2 MB document instead of two)
          if (text.indexOf('\uFFFD') >= 0 && !ByteBufUtil.isText(frame.content(), StandardCharsets.UTF_8)) {
            closeNow(WebSocketCloseStatus.INVALID_PAYLOAD_DATA.code(), ErrorMessages.INVALID_UTF8);
          } else {
            listener.onText(text);
          }
        }
      } else if (msg instanceof BinaryWebSocketFrame) {
        messageComplete();
        if (!closeSent) {
          listener.onBinary();
        }
      } else if (msg instanceof PingWebSocketFrame ping) {
        listener.onSignOfLife();
        write(new PongWebSocketFrame(ping.content().retain()));
      } else if (msg instanceof PongWebSocketFrame) {
        listener.onSignOfLife();
      } else if (msg instanceof CloseWebSocketFrame close) {
        messageComplete();
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
    dropWaiting();
    int code = close.statusCode();
    CloseWebSocketFrame echo = code == -1 ? new CloseWebSocketFrame() : new CloseWebSocketFrame(code, "");
    ctx.writeAndFlush(echo).addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * A frame over the size limit, before or after inflation, gets the protocol's answer and 1009; a
   * malformed one the decoder's code. Anything else (an I/O error, a resource running out) ends this
   * connection only: logged once, at WARN, with its cause.
   */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (isTooBig(cause)) {
      if (!closeSent) {
        String reason = ErrorMessages.messageTooLarge(maxMessageBytes);
        write(new TextWebSocketFrame(ServerMessages.error(reason)));
        closeNow(CloseCodes.MESSAGE_TOO_BIG, reason);
      }
    } else if (cause instanceof CorruptedWebSocketFrameException corrupted) {
      log.debug("malformed WebSocket frame: {}", cause.getMessage());
      if (!closeSent) {
        closeNow(corrupted.closeStatus().code(), corrupted.closeStatus().reasonText());
      }
    } else if (cause instanceof java.io.IOException) {
      log.debug("connection error: {}", cause.toString()); // a reset or broken pipe: the client went
      ctx.close();
    } else if (ctx.channel().isActive()) {
      log.warn("connection closed after an error: {}", cause.toString());
      ctx.close();
    }
  }

  private static boolean isTooBig(Throwable cause) {
    return cause instanceof TooLongFrameException
        || cause instanceof DecompressionException // inflated past MAX_MESSAGE_BYTES (a deflate bomb)
        || cause instanceof CorruptedWebSocketFrameException corrupted
            && WebSocketCloseStatus.MESSAGE_TOO_BIG.equals(corrupted.closeStatus());
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (!inactive) {
      inactive = true;
      dropWaiting();
      messageComplete();
      listener.onClosed();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    ReferenceCountUtil.release(evt); // e.g. Vert.x's server shutdown: the verticle closes its sessions itself
  }
}
