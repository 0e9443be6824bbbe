package app.khuphaen.sync.protocol;

import io.netty.util.concurrent.FastThreadLocal;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Whether bytes are well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past
 * U+10FFFF). The ASCII part before the first byte over 0x7F is valid as it is; from there the JDK's
 * strict decoder checks the rest through a small buffer whose characters are thrown away. Decoder and
 * buffer are kept per thread, so checking a message allocates nothing (this runs for every message an
 * event loop reads). Netty's {@code ByteBufUtil.isText} checks the buffer's bounds and reference
 * count at every byte, many times slower on a large document.
 */
public final class Utf8 {
  private static final int CHUNK_CHARS = 8192;
  private static final FastThreadLocal<Checker> CHECKER = new FastThreadLocal<>() {
    @Override
    protected Checker initialValue() {
      return new Checker();
    }
  };

  private Utf8() {}

  public static boolean isValid(byte[] bytes) {
    int i = 0;
    while (i < bytes.length && bytes[i] >= 0) {
      i++;
    }
    return i == bytes.length || CHECKER.get().isValid(bytes, i);
  }

  private static final class Checker {
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final CharBuffer out = CharBuffer.allocate(CHUNK_CHARS);

    boolean isValid(byte[] bytes, int from) {
      decoder.reset();
      ByteBuffer in = ByteBuffer.wrap(bytes, from, bytes.length - from);
      while (true) {
        out.clear();
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
          return false;
        }
        if (result.isUnderflow()) {
          out.clear();
          return !decoder.flush(out).isError();
        }
        // overflow: the chunk is full, its characters are not needed
      }
    }
  }
}
