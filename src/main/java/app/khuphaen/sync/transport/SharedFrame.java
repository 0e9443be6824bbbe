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
  private final ByteBuf plain;
  private ByteBuf deflated; // null until asked for

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
          : MessageDeflater.current().frame(plain, plain.readerIndex() + header, length);
    }
    return deflated;
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
