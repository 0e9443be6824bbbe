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
    int header = headerLength(length);
    ByteBuf frame = PooledByteBufAllocator.DEFAULT.directBuffer(header + length);
    writeHeader(frame, 0, FIN_TEXT, length);
    return frame.writerIndex(header).writeBytes(utf8);
  }

  /** The length of the header of a frame made by {@link #text}: 2, 4 or 10 bytes. */
  public static int headerLength(ByteBuf frame) {
    int length = frame.getByte(frame.readerIndex() + 1) & 0x7F;
    return length <= 125 ? 2 : length == 126 ? 4 : 10;
  }

  /** The length of the header of a server frame with {@code payloadLength} bytes of payload. */
  static int headerLength(int payloadLength) {
    return payloadLength <= 125 ? 2 : payloadLength <= 0xFFFF ? 4 : 10;
  }

  /** Sets the header of an unmasked frame at {@code index}; {@code first} holds FIN, RSV and opcode. */
  static void writeHeader(ByteBuf frame, int index, int first, int payloadLength) {
    frame.setByte(index, first);
    if (payloadLength <= 125) {
      frame.setByte(index + 1, payloadLength);
    } else if (payloadLength <= 0xFFFF) {
      frame.setByte(index + 1, 126).setShort(index + 2, payloadLength);
    } else {
      frame.setByte(index + 1, 127).setLong(index + 2, payloadLength);
    }
  }
}
