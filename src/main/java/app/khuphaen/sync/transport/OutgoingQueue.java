package app.khuphaen.sync.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;

/**
 * The frames on their way to one client. Straight to Netty while Netty holds less than its high
 * mark for the socket (the client keeps up), flushed at the end of the event loop's turn
 * ({@link TurnFlush}); otherwise they wait here, in order. What waits, plus
 * what Netty holds once past its mark, is charged to the socket's {@link BudgetShare} and may not
 * exceed OUTBOUND_QUEUE_BYTES. Runs on the socket's event loop only.
 */
final class OutgoingQueue {
  private final ChannelHandlerContext ctx;
  private final BudgetShare share;
  private final long maxBytes;
  private ArrayDeque<Object> waiting; // null while nothing ever waited: most sockets never need it
  private long waitingBytes;
  private boolean flushPending; // written to Netty in this turn of the event loop, not flushed yet

  OutgoingQueue(ChannelHandlerContext ctx, BudgetShare share, long maxBytes) {
    this.ctx = ctx;
    this.share = share;
    this.maxBytes = maxBytes;
  }

  long maxBytes() {
    return maxBytes;
  }

  /**
   * Sends or queues {@code frame} (taking ownership of it); false, with the frame released, when
   * queueing it would pass the bound: the client is too slow.
   */
  boolean offer(Object frame) {
    Channel channel = ctx.channel();
    if ((waiting == null || waiting.isEmpty()) && channel.isWritable()) {
      ctx.write(frame, ctx.voidPromise());
      if (!flushPending) {
        flushPending = true;
        TurnFlush.later(this, ctx.executor());
      }
      if (!channel.isWritable()) {
        recharge(true); // this frame took Netty past its mark: what it holds now counts
      }
      return true;
    }
    int bytes = sizeOf(frame);
    if (share.outgoingCharged() + bytes > maxBytes) {
      ReferenceCountUtil.release(frame);
      return false;
    }
    if (waiting == null) {
      waiting = new ArrayDeque<>();
    }
    waiting.add(frame);
    waitingBytes += bytes;
    recharge(true);
    return true;
  }

  /** The turn's end ({@link TurnFlush}): what was written in it goes to the socket. */
  void flushNow() {
    if (flushPending) {
      flushPending = false;
      ctx.flush();
    }
  }

  /** Netty's buffer drained below its low mark (or filled): hands it what waits, as much as it takes. */
  void writabilityChanged() {
    Channel channel = ctx.channel();
    if (channel.isWritable() && waiting != null && !waiting.isEmpty()) {
      while (channel.isWritable() && !waiting.isEmpty()) {
        Object frame = waiting.poll();
        waitingBytes -= sizeOf(frame);
        ctx.write(frame, ctx.voidPromise());
      }
      ctx.flush();
    }
    recharge(true);
  }

  /** Drops what waits (a close: the close frame goes next); {@code connected} false once the channel is gone. */
  void clear(boolean connected) {
    if (waiting != null) {
      waiting.forEach(ReferenceCountUtil::release);
      waiting.clear();
      waitingBytes = 0;
    }
    recharge(connected);
  }

  /** Brings the charge up to date: what waits, plus what Netty holds while past its mark. */
  private void recharge(boolean connected) {
    Channel channel = ctx.channel();
    long inNetty = 0;
    if (connected && !channel.isWritable() && channel.unsafe().outboundBuffer() != null) {
      inNetty = channel.unsafe().outboundBuffer().totalPendingWriteBytes();
    }
    share.outgoing(waitingBytes + inNetty);
  }

  /** Bytes a frame takes in memory (its payload; a wire frame's header included). */
  private static int sizeOf(Object frame) {
    if (frame instanceof ByteBuf buf) {
      return buf.readableBytes();
    }
    return frame instanceof ByteBufHolder holder ? holder.content().readableBytes() + 14 : 14;
  }
}
