package app.khuphaen.sync.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;

/**
 * A frame's bytes whose memory counts against a {@link BufferBudget} from now until the last
 * duplicate of it is released: every receiver writes a duplicate, which shares this buffer's
 * reference count, and Netty releases each once it is written or dropped. A composite of one
 * component because that is the buffer Netty lets one subclass to hear of its release; sockets write
 * it as they write the frame itself (one gathering write, no copy).
 */
final class CountedFrame extends CompositeByteBuf {
  private final BufferBudget budget;
  private final long bytes;

  /** Takes ownership of {@code frame}. */
  CountedFrame(BufferBudget budget, ByteBuf frame) {
    super(frame.alloc(), frame.isDirect(), 1);
    this.budget = budget;
    this.bytes = frame.readableBytes();
    addComponent(true, frame);
    budget.framesHeld(bytes);
  }

  @Override
  protected void deallocate() {
    super.deallocate();
    budget.framesHeld(-bytes);
  }
}
