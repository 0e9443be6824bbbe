package app.khuphaen.sync.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import static org.assertj.core.api.Assertions.assertThat;

class MessageDeflaterTest {
  private final MessageDeflater deflater = new MessageDeflater();

  @Property(tries = 200)
  void everyMessageInflatesOnItsOwnToWhatWentIn(@ForAll @Size(max = 70_000) byte[] message) throws Exception {
    assertThat(roundTrip(message)).isEqualTo(message);
  }

  @Test
  void consecutiveMessagesDoNotReferToEachOther() throws Exception {
    byte[] tasks = "{\"title\":\"งานบ้าน ✅\",\"done\":false},".repeat(3000).getBytes(StandardCharsets.UTF_8);
    ByteBuf first = deflater.frame(Unpooled.wrappedBuffer(tasks), 0, tasks.length);
    ByteBuf second = deflater.frame(Unpooled.wrappedBuffer(tasks), 0, tasks.length);
    try {
      assertThat(ByteBufUtil.getBytes(second)).isEqualTo(ByteBufUtil.getBytes(first));
      assertThat(payload(second).length).isLessThan(tasks.length / 20);
    } finally {
      first.release();
      second.release();
    }
  }

  @Test
  void headersUseEachLengthForm() throws Exception {
    java.util.Random random = new java.util.Random(7);
    for (int length : new int[] {0, 100, 5_000, 300_000}) {
      byte[] incompressible = new byte[length];
      random.nextBytes(incompressible);
      assertThat(roundTrip(incompressible)).isEqualTo(incompressible);
    }
  }

  @Test
  void onlyTheGivenRangeIsCompressedAndTheInputIsLeftAsItWas() throws Exception {
    byte[] bytes = "HEADER{\"a\":1}TRAILER".getBytes(StandardCharsets.US_ASCII);
    ByteBuf input = Unpooled.wrappedBuffer(bytes);
    ByteBuf frame = deflater.frame(input, 6, 7);
    try {
      assertThat(inflate(payload(frame))).isEqualTo("{\"a\":1}".getBytes(StandardCharsets.US_ASCII));
      assertThat(input.readerIndex()).isZero();
      assertThat(input.readableBytes()).isEqualTo(bytes.length);
    } finally {
      frame.release();
    }
  }

  private byte[] roundTrip(byte[] message) throws DataFormatException {
    ByteBuf frame = deflater.frame(Unpooled.wrappedBuffer(message), 0, message.length);
    try {
      assertThat((int) frame.getUnsignedByte(frame.readerIndex())).isEqualTo(0xC1); // FIN, RSV1, text
      return inflate(payload(frame));
    } finally {
      frame.release();
    }
  }

  /** The payload of a server frame, checked against the length its header gives. */
  private static byte[] payload(ByteBuf frame) {
    int at = frame.readerIndex();
    int length = frame.getUnsignedByte(at + 1);
    int header = 2;
    if (length == 126) {
      length = frame.getUnsignedShort(at + 2);
      header = 4;
    } else if (length == 127) {
      length = (int) frame.getLong(at + 2);
      header = 10;
    }
    assertThat(frame.readableBytes()).isEqualTo(header + length);
    assertThat(header).isEqualTo(WireFrames.headerLength(length));
    return ByteBufUtil.getBytes(frame, at + header, length);
  }

  /** As a receiver does (RFC 7692 section 7.2.2): adds the sync flush's tail and inflates, with a fresh inflater. */
  private static byte[] inflate(byte[] payload) throws DataFormatException {
    Inflater inflater = new Inflater(true);
    try {
      byte[] input = Arrays.copyOf(payload, payload.length + 4);
      input[payload.length + 2] = (byte) 0xff;
      input[payload.length + 3] = (byte) 0xff;
      inflater.setInput(input);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] chunk = new byte[8192];
      int n;
      while ((n = inflater.inflate(chunk)) > 0) {
        out.write(chunk, 0, n);
      }
      assertThat(inflater.getRemaining()).isZero();
      return out.toByteArray();
    } finally {
      inflater.end();
    }
  }
}
