package app.khuphaen.sync.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.concurrent.FastThreadLocal;

import java.nio.ByteBuffer;
import java.util.zip.Deflater;

/**
 * Compresses one message for per-message deflate (RFC 7692 section 7.2.1) into a complete wire frame
 * with RSV1 set. The server always negotiates {@code server_no_context_takeover}, so every message is
 * compressed on its own: the result is the same for every receiver, and one deflater per event loop
 * serves all of its sockets (a deflater per connection would cost about 300 KB of native memory each).
 */
public final class MessageDeflater {
  /**
   * Messages shorter than this go uncompressed (allowed message by message): a frame this small
   * leaves in one TCP segment either way, and compressing it costs more than it saves.
   */
  public static final int MIN_BYTES = 1024;
  /** zlib's default: level 1 leaves a task list 30 % larger, level 9 only 3 % smaller (docs/performance.md). */
  static final int LEVEL = 6;
  private static final int FIN_RSV1_TEXT = 0xC1;
  private static final int MAX_HEADER = 10;
  /** The empty stored block that ends a sync flush; the receiver adds it back (section 7.2.2). */
  private static final int TAIL = 4;

  private static final FastThreadLocal<MessageDeflater> PER_THREAD = new FastThreadLocal<>() {
    @Override
    protected MessageDeflater initialValue() {
      return new MessageDeflater();
    }

    @Override
    protected void onRemoval(MessageDeflater deflater) {
      deflater.deflater.end();
    }
  };

  private final Deflater deflater = new Deflater(LEVEL, true);

  MessageDeflater() {}

  /** The current thread's deflater (an event loop's, in the server). */
  public static MessageDeflater current() {
    return PER_THREAD.get();
  }

  /**
   * Compresses {@code length} bytes of {@code payload} from {@code index} (a message's UTF-8, left
   * untouched) into a new frame.
   */
  public ByteBuf frame(ByteBuf payload, int index, int length) {
    deflater.reset();
    deflater.setInput(payload.nioBuffer(index, length));
    ByteBuf out = PooledByteBufAllocator.DEFAULT.directBuffer(MAX_HEADER + length / 4 + 64);
    out.writerIndex(MAX_HEADER);
    try {
      while (true) {
        out.ensureWritable(Math.max(out.writableBytes(), 4096));
        int room = out.writableBytes();
        ByteBuffer target = out.internalNioBuffer(out.writerIndex(), room);
        int written = deflater.deflate(target, Deflater.SYNC_FLUSH);
        out.writerIndex(out.writerIndex() + written);
        if (written < room) { // a sync flush that did not fill the space has written everything
          break;
        }
      }
    } catch (RuntimeException e) {
      out.release();
      throw e;
    }
    int compressed = out.writerIndex() - MAX_HEADER - TAIL;
    out.writerIndex(MAX_HEADER + compressed);
    int start = MAX_HEADER - WireFrames.headerLength(compressed);
    out.readerIndex(start);
    WireFrames.writeHeader(out, start, FIN_RSV1_TEXT, compressed);
    return out;
  }
}
