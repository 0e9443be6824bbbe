package app.khuphaen.sync.transport;

import app.khuphaen.sync.metrics.ServerMetrics;
import app.khuphaen.sync.model.Reservation;
import app.khuphaen.sync.protocol.ErrorMessages;
import app.khuphaen.sync.protocol.CloseCodes;
import app.khuphaen.sync.protocol.ServerMessages;
import app.khuphaen.sync.protocol.Utf8;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.compression.DecompressionException;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * One accepted WebSocket, as the last handler of its Netty pipeline (after the frame decoder and a
 * frame aggregator; see {@code http.WebSocketUpgrade}). It is the whole per-connection state below
 * {@code Session}: Vert.x's own WebSocket objects (an HTTP request, response and headers kept for the
 * socket's life, two message queues) are never created.
 *
 * <p>Everything here runs on the channel's event loop, and so must every caller (except
 * the budget's shedding). Frames already encoded for the wire ({@link #sendFrame}, and every
 * compressed frame) are written below the WebSocket encoder, which passes raw bytes through. With
 * per-message deflate, messages of {@link MessageDeflater#MIN_BYTES} or more go compressed, relayed
 * ones compressed once for the whole event loop ({@link SharedFrame}).
 *
 * <p>Memory: every frame written to the client — relayed frames, answers, pongs — goes through one
 * path. While Netty holds less than {@link #NETTY_HIGH_WATER} for the socket, it goes straight to
 * Netty; beyond that it waits here, and what waits (plus what Netty holds once past that mark) counts
 * against the socket's bound (OUTBOUND_QUEUE_BYTES) and the server's {@link BufferBudget}. Over its
 * bound, or shed by the budget, the client is too slow: {@link Listener#onTooSlow} is told, and its
 * close drops what waits here, so the close frame goes out right behind what Netty already has.
 * Messages arrive whole from {@link InboundFrames}, which bounds what they hold while arriving.
 *
 * <p>The protocol's rules kept here: a message over the size limit gets an error message and close
 * 1009; a malformed frame closes with the decoder's code (1002), invalid UTF-8 with 1007; pings are
 * answered; a close is echoed, and a close we start waits a moment for the client's answer before the
 * TCP connection goes (closing at once could reset the connection and lose the close frame); after
 * a protocol breach nothing more is decoded, and what still arrives is dropped until then.
 */
public final class PeerSocket extends ChannelInboundHandlerAdapter {
  /** What the socket's owner hears; every method runs on the socket's event loop. */
  public interface Listener {
    /**
     * A whole text message: its bytes, valid UTF-8, on the heap, counted against the server's
     * incoming budget until the listener releases {@code held} (it must, on every path).
     */
    void onText(byte[] utf8, Reservation held);

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
  private static final Listener NOBODY = new Listener() {
    @Override public void onText(byte[] utf8, Reservation held) {
      held.release();
    }
    @Override public void onBinary() {}
    @Override public void onSignOfLife() {}
    @Override public void onTooSlow(String why) {}
    @Override public void onClosed() {}
  };

  private final int maxMessageBytes;
  private final boolean deflate;
  private final long maxOutgoingBytes;
  private final BudgetShare share;
  private final ServerMetrics metrics;
  private ChannelHandlerContext ctx;
  private Listener listener = NOBODY;
  private boolean closeSent;
  private boolean inactive;
  /** The close code sent or received first; 1006 (abnormal closure) while there was none. */
  private int closeCode = WebSocketCloseStatus.ABNORMAL_CLOSURE.code();
  private OutgoingQueue outgoing; // from handlerAdded on

  /**
   * @param deflate whether per-message deflate was negotiated for this socket
   * @param maxOutgoingBytes OUTBOUND_QUEUE_BYTES: at most this much may wait to be sent to the client
   */
  public PeerSocket(int maxMessageBytes, boolean deflate, long maxOutgoingBytes, BufferBudget budget,
                    ServerMetrics metrics) {
    this.maxMessageBytes = maxMessageBytes;
    this.deflate = deflate;
    this.maxOutgoingBytes = maxOutgoingBytes;
    this.share = new BudgetShare(budget, this::shedByBudget);
    this.metrics = metrics;
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

  /** Writes a server message of type {@code type} (counted in kp_messages_delivered_total). */
  public void sendText(ServerMetrics.Frame type, String text) {
    sendUtf8(type, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Writes a server message of type {@code type}, already UTF-8 (counted like {@link #sendText}). */
  public void sendUtf8(ServerMetrics.Frame type, byte[] utf8) {
    sendFrame(type, new SharedFrame(WireFrames.text(utf8)));
  }

  /**
   * Writes a relayed message of type {@code type}, in the form this socket negotiated; takes ownership
   * of one reference to {@code frame}, whose memory counts once against the server's budget however
   * many sockets send it.
   */
  public void sendFrame(ServerMetrics.Frame type, SharedFrame frame) {
    try {
      frame.countAgainst(share.budget());
      if (write((deflate ? frame.deflated() : frame.plain()).retainedDuplicate())) {
        metrics.delivered(type);
      }
    } finally {
      frame.release();
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
    closeCode = code;
    dropWaiting();
    ctx.writeAndFlush(new CloseWebSocketFrame(code, reason));
    ctx.executor().schedule(() -> ctx.close(), CLOSE_ANSWER_TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  /**
   * Sends a close frame and, once it is written, reads no more frames (the client broke the protocol):
   * what it still sends, say the rest of a message over the limit, is dropped ({@link HalfClose}), up
   * to the limit again, so that the sender of a message up to twice the limit reads its refusal.
   */
  private void closeNow(int code, String reason) {
    closeSent = true;
    closeCode = code;
    dropWaiting();
    ctx.writeAndFlush(new CloseWebSocketFrame(code, reason))
        .addListener(written -> HalfClose.start(ctx.channel(), maxMessageBytes));
  }

  /** The one way a frame goes to the client (see {@link OutgoingQueue}); answers whether it went. */
  private boolean write(Object frame) {
    if (closeSent || inactive) {
      ReferenceCountUtil.release(frame);
      return false;
    }
    if (!outgoing.offer(frame)) {
      tooSlow("more than " + outgoing.maxBytes() + " bytes waiting to be sent to it");
      return false;
    }
    return true;
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    outgoing.writabilityChanged();
  }

  /** The budget chose this socket to close (from any thread). */
  private void shedByBudget() {
    ctx.executor().execute(() -> tooSlow("the server's buffer budget (" + share.budgetLimit()
        + " bytes) is spent and it held " + share.heldBytes() + " of them"));
  }

  private void dropWaiting() {
    if (outgoing != null) {
      outgoing.clear(!inactive); // once inactive, Netty holds nothing for it any more
    }
  }

  private void tooSlow(String why) {
    if (!closeSent && !inactive) {
      dropWaiting();
      listener.onTooSlow(why);
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.outgoing = new OutgoingQueue(ctx, share, maxOutgoingBytes);
    metrics.connectionOpened();
    if (!ctx.channel().isActive()) {
      channelInactive(ctx); // gone during the upgrade: its inactive event went to the handler this replaced
    }
    ctx.channel().config().setWriteBufferWaterMark(new WriteBufferWaterMark(NETTY_LOW_WATER, NETTY_HIGH_WATER));
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof InboundFrames.Message message) {
        if (closeSent || !message.text()) {
          message.held().release();
          if (!closeSent) {
            listener.onBinary();
          }
        } else if (!Utf8.isValid(message.payload())) {
          message.held().release();
          metrics.received(ServerMetrics.Action.INVALID);
          closeNow(WebSocketCloseStatus.INVALID_PAYLOAD_DATA.code(), ErrorMessages.INVALID_UTF8);
        } else {
          listener.onText(message.payload(), message.held());
        }
      } else if (msg instanceof PingWebSocketFrame ping) {
        listener.onSignOfLife();
        write(new PongWebSocketFrame(ping.content().retain()));
      } else if (msg instanceof PongWebSocketFrame) {
        listener.onSignOfLife();
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
    dropWaiting();
    int code = close.statusCode();
    closeCode = code == -1 ? WebSocketCloseStatus.EMPTY.code() : code;
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
        metrics.received(ServerMetrics.Action.INVALID);
        metrics.refused(ServerMetrics.Refusal.TOO_LARGE);
        sendText(ServerMetrics.Frame.ERROR, ServerMessages.error(reason));
        closeNow(CloseCodes.MESSAGE_TOO_BIG, reason);
      }
    } else if (cause instanceof CorruptedWebSocketFrameException expired
        && WebSocketCloseStatus.POLICY_VIOLATION.equals(expired.closeStatus())) {
      if (!closeSent) { // a message not whole in time (InboundFrames): said, as other 1008 closes are
        sendText(ServerMetrics.Frame.ERROR, ServerMessages.error(cause.getMessage()));
        closeNow(WebSocketCloseStatus.POLICY_VIOLATION.code(), cause.getMessage());
      }
    } else if (cause instanceof CorruptedWebSocketFrameException corrupted) {
      log.debug("malformed WebSocket frame: {}", cause.getMessage());
      if (!closeSent) {
        metrics.received(ServerMetrics.Action.INVALID);
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
      metrics.connectionClosed(closeCode);
      listener.onClosed();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    ReferenceCountUtil.release(evt); // e.g. Vert.x's server shutdown: the verticle closes its sessions itself
  }
}
