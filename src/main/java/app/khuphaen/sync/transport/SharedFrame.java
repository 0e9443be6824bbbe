package app.khuphaen.sync.transport;

import io.netty.buffer.ByteBuf;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;

/**
 * One relayed message as every socket of an event loop writes it: its plain wire frame
 * ({@link WireFrames}) and, made the first time a socket with per-message deflate asks, its
 * compressed frame ({@link MessageDeflater}): one compression for all of them, like gorilla/websocket's
 * {@code PreparedMessage}. Reference-counted: whoever keeps it retains it. Its event loop only.
 */
public final class SharedFrame extends AbstractReferenceCounted {
  private ByteBuf plain; // a CountedFrame once a socket sends it
  private ByteBuf deflated; // null until asked for (after countAgainst: PeerSocket counts before it sends)
  private BufferBudget budget; // null until a socket sends it

  /** Takes ownership of {@code plain}. */
  public SharedFrame(ByteBuf plain) {
    this.plain = plain;
  }

  /** The frame uncompressed, as it goes to sockets without per-message deflate. */
  public ByteBuf plain() {
    return plain;
  }

  /** The frame for a socket with per-message deflate: compressed, or as it is below {@link MessageDeflater#MIN_BYTES}. */
  ByteBuf deflated() {
    if (deflated == null) {
      int header = WireFrames.headerLength(plain);
      int length = plain.readableBytes() - header;
      deflated = length < MessageDeflater.MIN_BYTES
          ? plain.retainedDuplicate()
          : count(MessageDeflater.current().frame(plain, plain.readerIndex() + header, length));
    }
    return deflated;
  }

  /**
   * From the first socket that sends this frame on, its memory counts once against {@code budget},
   * however many sockets send it, until the last of them has written or dropped it.
   */
  void countAgainst(BufferBudget budget) {
    if (this.budget == null) {
      this.budget = budget;
      plain = count(plain);
    }
  }

  private ByteBuf count(ByteBuf frame) {
    return budget == null ? frame : new CountedFrame(budget, frame);
  }

  @Override
  public SharedFrame retain() {
    super.retain();
    return this;
  }

  @Override
  public ReferenceCounted touch(Object hint) {
    return this;
  }

  @Override
  protected void deallocate() {
    plain.release();
    if (deflated != null) {
      deflated.release();
    }
  }
}
