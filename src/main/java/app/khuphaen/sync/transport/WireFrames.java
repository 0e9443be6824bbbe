package app.khuphaen.sync.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

/**
 * A complete, final, unmasked WebSocket text frame (RFC 6455 section 5.2) as it goes on the wire.
 * A server's frames are never masked, so the same bytes serve every receiver: built once per event
 * loop, written as duplicates, with no per-receiver frame object or encoding.
 */
public final class WireFrames {
  private static final int FIN_TEXT = 0x81;

  private WireFrames() {}

  public static ByteBuf text(byte[] utf8) {
    int length = utf8.length;
    int header = length <= 125 ? 2 : length <= 0xFFFF ? 4 : 10;
    ByteBuf frame = PooledByteBufAllocator.DEFAULT.directBuffer(header + length);
    frame.writeByte(FIN_TEXT);
    if (length <= 125) {
      frame.writeByte(length);
    } else if (length <= 0xFFFF) {
      frame.writeByte(126).writeShort(length);
    } else {
      frame.writeByte(127).writeLong(length);
    }
    return frame.writeBytes(utf8);
  }

  /** The length of the header of a frame made by {@link #text}: 2, 4 or 10 bytes. */
  public static int headerLength(ByteBuf frame) {
    int length = frame.getByte(frame.readerIndex() + 1) & 0x7F;
    return length <= 125 ? 2 : length == 126 ? 4 : 10;
  }
}
