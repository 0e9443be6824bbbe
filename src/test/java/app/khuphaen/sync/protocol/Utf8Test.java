package app.khuphaen.sync.protocol;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The check every text message passes before it is parsed: RFC 3629 UTF-8, nothing else. */
class Utf8Test {

  @Test
  void wellFormedTextOfEveryLengthPasses() {
    assertThat(Utf8.isValid(new byte[0])).isTrue();
    assertThat(Utf8.isValid("ascii, ไทย, é, 😀".getBytes(StandardCharsets.UTF_8))).isTrue();
    assertThat(Utf8.isValid("ไทย".repeat(100_000).getBytes(StandardCharsets.UTF_8))).isTrue(); // past one chunk
  }

  @Test
  void malformedSequencesFail() {
    assertThat(Utf8.isValid(bytes(0xC0, 0xAF))).as("overlong '/'").isFalse();
    assertThat(Utf8.isValid(bytes(0xED, 0xA0, 0x80))).as("a surrogate (CESU-8)").isFalse();
    assertThat(Utf8.isValid(bytes(0xF4, 0x90, 0x80, 0x80))).as("past U+10FFFF").isFalse();
    assertThat(Utf8.isValid(bytes(0xE0, 0xB9))).as("cut short").isFalse();
    assertThat(Utf8.isValid(bytes(0x80))).as("a lone continuation byte").isFalse();
    byte[] longTextEndingBadly = ("x".repeat(20_000) + "\u0000").getBytes(StandardCharsets.UTF_8);
    longTextEndingBadly[longTextEndingBadly.length - 1] = (byte) 0xFF;
    assertThat(Utf8.isValid(longTextEndingBadly)).as("bad in a later chunk").isFalse();
  }

  @Test
  void aFailedCheckLeavesNothingBehindForTheNextOnTheSameThread() {
    assertThat(Utf8.isValid(bytes('a', 0xE0, 0xB9))).as("cut short after ASCII").isFalse();
    assertThat(Utf8.isValid(bytes('a', 0x80, 0x80))).as("continuations, no lead byte").isFalse();
    assertThat(Utf8.isValid("ไทย".getBytes(StandardCharsets.UTF_8))).isTrue();
    assertThat(Utf8.isValid(bytes(0xE0))).isFalse();
    assertThat(Utf8.isValid(bytes('b', 0xC3, 0xA9))).as("é after ASCII").isTrue();
  }

  @Property
  void agreesWithTheJdksStrictDecoder(@ForAll @Size(max = 40) byte[] bytes) {
    assertThat(Utf8.isValid(bytes)).isEqualTo(strictlyDecodes(bytes));
  }

  private static boolean strictlyDecodes(byte[] bytes) {
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  private static byte[] bytes(int... values) {
    byte[] bytes = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      bytes[i] = (byte) values[i];
    }
    return bytes;
  }
}
