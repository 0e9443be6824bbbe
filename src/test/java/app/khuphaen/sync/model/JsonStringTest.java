package app.khuphaen.sync.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A string value found in a message's bytes: the scan stops at the right quote whatever the escapes,
 * counts what the value decodes to, and decoding gives the value back.
 */
class JsonStringTest {
  private static final JsonFactory PLAIN = new JsonFactory();
  private static final JsonFactory ASCII_ONLY = JsonFactory.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

  @Property(tries = 3000)
  void anyValueIsFoundDecodedAndMeasuredAsJavaWouldEncodeIt(@ForAll String value) throws IOException {
    String expected = new String(value.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8); // lone surrogates: '?'
    for (JsonFactory writer : new JsonFactory[] {PLAIN, ASCII_ONLY}) {
      byte[] message = message(writer, expected);
      int quote = indexOfValue(message);
      JsonString found = JsonString.at(message, quote);
      assertThat(found.decode()).isEqualTo(expected);
      assertThat(found.utf8Length()).isEqualTo(expected.getBytes(StandardCharsets.UTF_8).length);
      assertThat(found.decodeUtf8()).isEqualTo(expected.getBytes(StandardCharsets.UTF_8));
      assertThat(message[quote + 1 + found.escapedLength()]).isEqualTo((byte) '"'); // the closing quote
    }
    JsonString built = JsonString.of(value);
    assertThat(built.decode()).isEqualTo(expected);
    assertThat(built.utf8Length()).isEqualTo(value.getBytes(StandardCharsets.UTF_8).length);
  }

  @Example
  void escapesCountAsWhatTheyStandFor() {
    byte[] message = "\"a\\\"\\\\\\n\\u00e9\\u0e44\\ud83d\\ude00\\ud83d|\"".getBytes(StandardCharsets.UTF_8);
    JsonString found = JsonString.at(message, 0);
    // a, ", \, newline: 1 each; é 2; ไ 3; 😀 4; a lone high surrogate 1 ('?'); | 1
    assertThat(found.utf8Length()).isEqualTo(4 + 2 + 3 + 4 + 1 + 1);
    assertThat(found.escapedLength()).isEqualTo(message.length - 2);
    assertThat(found).isEqualTo(JsonString.at(message.clone(), 0)).isNotEqualTo(JsonString.of(found.decode()));
    assertThat(found.decodeUtf8()).isEqualTo(found.decode().getBytes(StandardCharsets.UTF_8));
  }

  @Example
  void decodingToUtf8GivesWhatJavaWouldEncodeForEveryEscapeAndStraySurrogate() {
    String[] escapedValues = {
        "\\b\\f\\n\\r\\t\\/\\\\\\\"", // every short escape
        "\\ud83d\\ud83d\\ude00", // a high surrogate, then a pair
        "\\ude00x\\ud83d", // a low surrogate alone, a high one at the end
        "\\ud83dไทย😀\\u0041\\u00e9\\u0e44", // a high surrogate before raw UTF-8, then escaped A, é, ไ
        "\\ud83d\\n", // a high surrogate before a short escape
        ""};
    for (String escaped : escapedValues) {
      JsonString found = JsonString.at(("\"" + escaped + "\"").getBytes(StandardCharsets.UTF_8), 0);
      assertThat(found.decodeUtf8()).as(escaped).isEqualTo(found.decode().getBytes(StandardCharsets.UTF_8));
    }
  }

  /** {@code {"action":"x","data":<value>}} as {@code writer} writes it. */
  private static byte[] message(JsonFactory writer, String value) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator json = writer.createGenerator(out)) {
      json.writeStartObject();
      json.writeStringField("action", "x");
      json.writeStringField("data", value);
      json.writeEndObject();
    }
    return out.toByteArray();
  }

  private static int indexOfValue(byte[] message) {
    byte[] key = "\"data\":".getBytes(StandardCharsets.US_ASCII);
    outer:
    for (int i = 0; i + key.length < message.length; i++) {
      for (int j = 0; j < key.length; j++) {
        if (message[i + j] != key[j]) {
          continue outer;
        }
      }
      return i + key.length;
    }
    throw new AssertionError("no data field");
  }

  @Test
  void aStoredDocumentsUtf8IsEscapedExactlyAsAStringOfItWouldBe() {
    StringBuilder every = new StringBuilder();
    for (char c = 0; c < 0x80; c++) {
      every.append(c);
    }
    for (String value : List.of("", "plain", every.toString(), "งานบ้าน ✅ \"quoted\" \\ back/slash 👋",
        "line\nbreak\ttab\u0000nul\u001f\u007f", "ก".repeat(1000))) {
      JsonString fromUtf8 = JsonString.ofUtf8(value.getBytes(StandardCharsets.UTF_8));
      assertThat(fromUtf8).as(value).isEqualTo(JsonString.of(value));
      assertThat(fromUtf8.decode()).isEqualTo(value);
      assertThat(fromUtf8.utf8Length()).isEqualTo(value.getBytes(StandardCharsets.UTF_8).length);
    }
  }
}
