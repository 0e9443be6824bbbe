package app.khuphaen.sync.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.io.JsonStringEncoder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A JSON string value kept as it travels: its escaped UTF-8 bytes, as they stand between the quotes
 * of a message. A document or data relayed this way is never decoded on the relay path; the receivers
 * get the bytes the sender wrote. {@link #decode} gives the plain value where one is needed (the
 * store, on its own threads). Immutable; the bytes are shared, never copied on the way.
 */
public final class JsonString {
  private static final JsonFactory JSON = new JsonFactory();

  /** Holds a quote at {@code offset - 1} and at {@code offset + length}: what {@link #decode} parses. */
  private final byte[] bytes;
  private final int offset;
  private final int length;
  private final long utf8Length;

  private JsonString(byte[] bytes, int offset, int length, long utf8Length) {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    this.utf8Length = utf8Length;
  }

  /** {@code value}, escaped as Jackson writes it; a lone surrogate becomes '?', as Java encodes it. */
  public static JsonString of(String value) {
    byte[] escaped;
    try {
      escaped = JsonStringEncoder.getInstance().quoteAsUTF8(value);
    } catch (IllegalArgumentException loneSurrogate) { // a client may send one escaped: "\ud83d"
      escaped = JsonStringEncoder.getInstance().quoteAsUTF8(
          new String(value.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
    }
    byte[] quoted = new byte[escaped.length + 2];
    quoted[0] = '"';
    System.arraycopy(escaped, 0, quoted, 1, escaped.length);
    quoted[quoted.length - 1] = '"';
    return new JsonString(quoted, 1, escaped.length, utf8Length(value));
  }

  /**
   * The string whose plain value is {@code utf8} (valid UTF-8), escaped as {@link #of} escapes it:
   * in two passes over the bytes, with no String of the value (two bytes a character) made.
   */
  public static JsonString ofUtf8(byte[] utf8) {
    int escaped = utf8.length;
    for (byte b : utf8) {
      if (b == '"' || b == '\\' || (b >= 0 && b < 0x20)) {
        escaped += SHORT_ESCAPES.indexOf(b) >= 0 ? 1 : 5;
      }
    }
    byte[] quoted = new byte[escaped + 2];
    quoted[0] = '"';
    int o = 1;
    for (byte b : utf8) {
      if (b == '"' || b == '\\' || (b >= 0 && b < 0x20)) {
        quoted[o++] = '\\';
        int shortEscape = SHORT_ESCAPES.indexOf(b);
        if (shortEscape >= 0) {
          quoted[o++] = (byte) SHORT_ESCAPE_LETTERS.charAt(shortEscape);
        } else {
          quoted[o++] = 'u';
          quoted[o++] = '0';
          quoted[o++] = '0';
          quoted[o++] = (byte) HEX.charAt(b >> 4);
          quoted[o++] = (byte) HEX.charAt(b & 0xF);
        }
      } else {
        quoted[o++] = b;
      }
    }
    quoted[o] = '"';
    return new JsonString(quoted, 1, escaped, utf8.length);
  }

  /** The characters Jackson escapes with a letter, and those letters. */
  private static final String SHORT_ESCAPES = "\"\\\b\t\n\f\r";
  private static final String SHORT_ESCAPE_LETTERS = "\"\\btnfr";
  private static final String HEX = "0123456789ABCDEF";

  /**
   * The string value whose opening quote is at {@code openingQuote} in {@code json}, which must hold
   * valid JSON there (the caller's parser checked it): shares the array. One pass finds the closing
   * quote and the decoded value's UTF-8 length, for size limits that count what the value holds.
   */
  public static JsonString at(byte[] json, int openingQuote) {
    Scan scan = new Scan();
    int start = openingQuote + 1;
    int end = scan.run(json, start);
    return new JsonString(json, start, end - start, scan.utf8);
  }

  /** The escaped bytes' length. */
  public int escapedLength() {
    return length;
  }

  /** The UTF-8 length of the value (as {@code String.getBytes(UTF_8)} would count it). */
  public long utf8Length() {
    return utf8Length;
  }

  /** Copies the escaped bytes into {@code target} at {@code at}. */
  public void copyTo(byte[] target, int at) {
    System.arraycopy(bytes, offset, target, at, length);
  }

  /** The plain value: decodes every escape; costs a pass and a String as large as the value. */
  public String decode() {
    try (JsonParser parser = JSON.createParser(bytes, offset - 1, length + 2)) {
      parser.nextToken();
      return parser.getText();
    } catch (IOException e) {
      throw new UncheckedIOException("not a JSON string", e); // built only from checked JSON
    }
  }

  /**
   * The plain value as UTF-8, exactly what {@code decode().getBytes(UTF_8)} gives (a lone surrogate
   * becomes '?'), in one pass into one array of {@link #utf8Length} bytes: runs between escapes are
   * copied as they are, since they are UTF-8 already.
   */
  public byte[] decodeUtf8() {
    byte[] out = new byte[Math.toIntExact(utf8Length)];
    int o = 0;
    int high = -1; // a high surrogate from a uXXXX escape, waiting for its low half
    int i = offset;
    int end = offset + length;
    while (i < end) {
      int run = i;
      while (run < end && bytes[run] != '\\') {
        run++;
      }
      if (run > i) {
        if (high >= 0) {
          out[o++] = '?';
          high = -1;
        }
        System.arraycopy(bytes, i, out, o, run - i);
        o += run - i;
        i = run;
        continue;
      }
      byte escape = bytes[i + 1];
      if (escape != 'u') {
        if (high >= 0) {
          out[o++] = '?';
          high = -1;
        }
        out[o++] = switch (escape) {
          case 'b' -> '\b';
          case 'f' -> '\f';
          case 'n' -> '\n';
          case 'r' -> '\r';
          case 't' -> '\t';
          default -> escape; // " \ /
        };
        i += 2;
        continue;
      }
      char c = unicodeEscape(bytes, i);
      i += 6;
      if (high >= 0 && Character.isLowSurrogate(c)) {
        o = putUtf8(out, o, Character.toCodePoint((char) high, c));
        high = -1;
        continue;
      }
      if (high >= 0) {
        out[o++] = '?';
        high = -1;
      }
      if (Character.isHighSurrogate(c)) {
        high = c;
      } else {
        o = putUtf8(out, o, Character.isLowSurrogate(c) ? '?' : c);
      }
    }
    if (high >= 0) {
      out[o++] = '?';
    }
    return out;
  }

  /** The UTF-16 unit of the {@code \\uXXXX} escape whose backslash is at {@code backslash}. */
  private static char unicodeEscape(byte[] json, int backslash) {
    char unit = 0;
    for (int i = backslash + 2; i < backslash + 6; i++) {
      unit = (char) (unit << 4 | Character.digit(json[i], 16));
    }
    return unit;
  }

  private static int putUtf8(byte[] out, int o, int codePoint) {
    if (codePoint < 0x80) {
      out[o++] = (byte) codePoint;
    } else if (codePoint < 0x800) {
      out[o++] = (byte) (0xC0 | codePoint >> 6);
      out[o++] = (byte) (0x80 | codePoint & 0x3F);
    } else if (codePoint < 0x10000) {
      out[o++] = (byte) (0xE0 | codePoint >> 12);
      out[o++] = (byte) (0x80 | codePoint >> 6 & 0x3F);
      out[o++] = (byte) (0x80 | codePoint & 0x3F);
    } else {
      out[o++] = (byte) (0xF0 | codePoint >> 18);
      out[o++] = (byte) (0x80 | codePoint >> 12 & 0x3F);
      out[o++] = (byte) (0x80 | codePoint >> 6 & 0x3F);
      out[o++] = (byte) (0x80 | codePoint & 0x3F);
    }
    return o;
  }

  /** What {@code value.getBytes(UTF_8).length} answers, without the array. */
  private static long utf8Length(String value) {
    long bytes = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += Character.isSurrogate(c) ? 1 : 3;
      }
    }
    return bytes;
  }

  /** Equal when the escaped bytes are (the same value escaped two ways is two JsonStrings). */
  @Override
  public boolean equals(Object other) {
    return other instanceof JsonString that
        && java.util.Arrays.equals(bytes, offset, offset + length, that.bytes, that.offset, that.offset + that.length);
  }

  @Override
  public int hashCode() {
    int hash = 1;
    for (int i = offset; i < offset + length; i++) {
      hash = 31 * hash + bytes[i];
    }
    return hash;
  }

  @Override
  public String toString() {
    return "JsonString[" + length + " escaped bytes]";
  }

  /**
   * The scan of a string's escaped bytes: stops at the closing quote, counting the UTF-8 bytes the
   * value decodes to. Bytes outside escapes count as themselves (they are UTF-8 already); an escape
   * counts as its character's UTF-8 length, a surrogate pair as 4, a lone surrogate as 1 (Java
   * encodes it as '?').
   */
  private static final class Scan {
    long utf8;
    private boolean highSurrogatePending;

    int run(byte[] json, int from) {
      int i = from;
      while (true) {
        byte b = json[i];
        if (b == '"') {
          settlePending();
          return i;
        }
        if (b != '\\') {
          settlePending();
          utf8++;
          i++;
        } else if (json[i + 1] != 'u') {
          settlePending();
          utf8++;
          i += 2;
        } else {
          unit(unicodeEscape(json, i));
          i += 6;
        }
      }
    }

    private void unit(char c) {
      if (highSurrogatePending && Character.isLowSurrogate(c)) {
        highSurrogatePending = false;
        utf8 += 4;
        return;
      }
      settlePending();
      if (Character.isHighSurrogate(c)) {
        highSurrogatePending = true;
      } else {
        utf8 += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isLowSurrogate(c) ? 1 : 3;
      }
    }

    private void settlePending() {
      if (highSurrogatePending) {
        highSurrogatePending = false;
        utf8 += 1;
      }
    }
  }
}
