package app.khuphaen.sync.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.Deflater;

import static org.assertj.core.api.Assertions.assertThat;

/** The frame reader's rules, without a server: what it reserves, when it waits, what it refuses. */
class InboundFramesTest {
  private static final int MAX = 10_000;
  private static final int TIMEOUT_SECONDS = 120;
  private static final byte[] KEY = {0x37, (byte) 0xfa, 0x21, 0x3d};

  /** What comes out of the reader: messages as "text:…"/"binary:…", control frames, failures' close codes. */
  private static final class Out extends ChannelInboundHandlerAdapter {
    final List<String> events = new ArrayList<>();
    final List<app.khuphaen.sync.model.Reservation> held = new ArrayList<>();
    private final boolean keep;

    /** @param keep whether messages are kept (their reservations held) until {@link #letGo} */
    Out(boolean keep) {
      this.keep = keep;
    }

    Out() {
      this(false);
    }

    void letGo() {
      held.forEach(app.khuphaen.sync.model.Reservation::release);
      held.clear();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof InboundFrames.Message m) {
        events.add((m.text() ? "text:" : "binary:") + new String(m.payload(), StandardCharsets.UTF_8));
        if (keep) {
          held.add(m.held());
        } else {
          m.held().release();
        }
      } else if (msg instanceof PingWebSocketFrame ping) {
        events.add("ping:" + ping.content().readableBytes());
      } else if (msg instanceof CloseWebSocketFrame close) {
        events.add("close:" + close.statusCode());
      } else {
        events.add("other:" + msg);
      }
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      events.add("failed:" + ((CorruptedWebSocketFrameException) cause).closeStatus().code());
    }
  }

  private final IncomingBudget budget = new IncomingBudget(MAX);

  private EmbeddedChannel channel(Out out, boolean deflate) {
    return new EmbeddedChannel(new InboundFrames(MAX, deflate, budget, TIMEOUT_SECONDS), out);
  }

  /** A client frame: FIN, RSV and opcode in {@code first}, masked with {@link #KEY}. */
  static byte[] frame(int first, byte[] payload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(first);
    int n = payload.length;
    if (n <= 125) {
      out.write(0x80 | n);
    } else if (n <= 0xFFFF) {
      out.write(0x80 | 126);
      out.write(n >> 8);
      out.write(n);
    } else {
      out.write(0x80 | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        out.write((int) ((long) n >> shift));
      }
    }
    out.writeBytes(KEY);
    for (int i = 0; i < n; i++) {
      out.write(payload[i] ^ KEY[i & 3]);
    }
    return out.toByteArray();
  }

  private static byte[] text(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aFrameSplitAcrossReadsComesOutWholeAndItsReservationIsHeldUntilItIsLetGo() {
    Out out = new Out(true);
    EmbeddedChannel channel = channel(out, false);
    byte[] bytes = frame(0x81, text("สวัสดี " + "x".repeat(300)));
    for (int at = 0; at < bytes.length; at += 7) { // a header split too
      channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(bytes, at, Math.min(bytes.length, at + 7))));
      if (at + 7 < bytes.length) {
        assertThat(out.events).isEmpty();
      }
    }
    assertThat(out.events).containsExactly("text:สวัสดี " + "x".repeat(300));
    assertThat(budget.reserved()).isEqualTo(bytes.length - 8); // the payload, until its holder lets it go
    out.letGo();
    out.letGo(); // once only
    assertThat(budget.reserved()).isZero();
  }

  @Test
  void aSenderWaitsWhileTheBudgetIsSpentAndReadsOnOnceItIsFreed() {
    Out first = new Out(true);
    Out second = new Out();
    EmbeddedChannel firstChannel = channel(first, false);
    EmbeddedChannel secondChannel = channel(second, false);
    byte[] big = frame(0x81, text("a".repeat(8_000)));
    firstChannel.writeInbound(Unpooled.wrappedBuffer(big, 0, 100)); // its header and a little: 8,000 reserved
    assertThat(budget.reserved()).isEqualTo(8_000);

    byte[] other = frame(0x81, text("b".repeat(3_000)));
    secondChannel.writeInbound(Unpooled.wrappedBuffer(other)); // 3,000 do not fit beside 8,000
    assertThat(second.events).isEmpty();
    assertThat(secondChannel.config().isAutoRead()).isFalse(); // TCP pushes back on its sender
    assertThat(budget.waiting()).isEqualTo(1);

    firstChannel.writeInbound(Unpooled.wrappedBuffer(big, 100, big.length - 100));
    assertThat(first.events).containsExactly("text:" + "a".repeat(8_000));
    secondChannel.runPendingTasks();
    assertThat(second.events).isEmpty(); // the first message is still held (say, waiting for the store)
    first.letGo();
    secondChannel.runPendingTasks(); // the grant runs on the waiting socket's event loop
    assertThat(second.events).containsExactly("text:" + "b".repeat(3_000)); // read from what had arrived
    assertThat(secondChannel.config().isAutoRead()).isTrue();
    assertThat(budget.reserved()).isZero();
  }

  @Test
  void aSocketThatGoesWhileWaitingGivesUpItsPlaceAndHoldsNothing() {
    Out first = new Out();
    EmbeddedChannel firstChannel = channel(first, false);
    EmbeddedChannel secondChannel = channel(new Out(), false);
    byte[] big = frame(0x81, text("a".repeat(8_000)));
    firstChannel.writeInbound(Unpooled.wrappedBuffer(big, 0, 100));
    secondChannel.writeInbound(Unpooled.wrappedBuffer(frame(0x81, text("b".repeat(3_000)))));
    secondChannel.close();
    assertThat(budget.waiting()).isZero();
    firstChannel.close(); // half a message: its buffer and reservation go with it
    assertThat(budget.reserved()).isZero();
  }

  @Test
  void aMessageThatStopsArrivingGivesUpItsReservationAtTheTimeoutWith1008() {
    Out out = new Out();
    EmbeddedChannel channel = channel(out, false);
    channel.freezeTime();
    byte[] big = frame(0x81, text("a".repeat(8_000)));
    channel.writeInbound(Unpooled.wrappedBuffer(big, 0, 100)); // then nothing more, or a trickle
    channel.advanceTimeBy(TIMEOUT_SECONDS - 1, java.util.concurrent.TimeUnit.SECONDS);
    channel.runScheduledPendingTasks();
    channel.writeInbound(Unpooled.wrappedBuffer(big, 100, 1));
    assertThat(out.events).isEmpty();
    assertThat(budget.reserved()).isEqualTo(8_000);
    channel.advanceTimeBy(1, java.util.concurrent.TimeUnit.SECONDS);
    channel.runScheduledPendingTasks();
    assertThat(out.events).containsExactly("failed:1008");
    assertThat(budget.reserved()).isZero();
  }

  @Test
  void aSenderWaitingForRoomIsNotTimedOutTheClockStartsAtTheGrant() {
    Out first = new Out(true);
    Out second = new Out();
    EmbeddedChannel firstChannel = channel(first, false);
    EmbeddedChannel secondChannel = channel(second, false);
    secondChannel.freezeTime();
    firstChannel.writeInbound(Unpooled.wrappedBuffer(frame(0x81, text("a".repeat(8_000))))); // held by its holder
    byte[] other = frame(0x81, text("b".repeat(3_000)));
    secondChannel.writeInbound(Unpooled.wrappedBuffer(other, 0, 100)); // waits for room
    secondChannel.advanceTimeBy(TIMEOUT_SECONDS * 3, java.util.concurrent.TimeUnit.SECONDS);
    secondChannel.runScheduledPendingTasks();
    assertThat(second.events).isEmpty(); // still waiting, not closed
    first.letGo();
    secondChannel.runPendingTasks(); // granted: its clock starts now
    secondChannel.writeInbound(Unpooled.wrappedBuffer(other, 100, other.length - 100));
    assertThat(second.events).containsExactly("text:" + "b".repeat(3_000));
  }

  @Test
  void aMessageWholeInTimeLeavesNoTimerBehind() {
    Out out = new Out();
    EmbeddedChannel channel = channel(out, false);
    channel.freezeTime();
    byte[] big = frame(0x81, text("a".repeat(8_000)));
    channel.writeInbound(Unpooled.wrappedBuffer(big, 0, 100));
    channel.writeInbound(Unpooled.wrappedBuffer(big, 100, big.length - 100));
    channel.advanceTimeBy(TIMEOUT_SECONDS + 1, java.util.concurrent.TimeUnit.SECONDS);
    channel.runScheduledPendingTasks();
    assertThat(out.events).containsExactly("text:" + "a".repeat(8_000));
  }

  @Test
  void aMessageInFragmentsReservesTheMostItMayHoldAndArrivesWhole() {
    Out out = new Out();
    EmbeddedChannel channel = channel(out, false);
    channel.writeInbound(Unpooled.wrappedBuffer(frame(0x01, text("one "))));
    assertThat(budget.reserved()).isEqualTo(MAX);
    channel.writeInbound(Unpooled.wrappedBuffer(frame(0x89, text("hi")))); // a ping between fragments
    channel.writeInbound(Unpooled.wrappedBuffer(frame(0x00, text("two "))));
    channel.writeInbound(Unpooled.wrappedBuffer(frame(0x80, text("three"))));
    assertThat(out.events).containsExactly("ping:2", "text:one two three");
    assertThat(budget.reserved()).isZero();
  }

  @Test
  void fragmentsAddingUpToMoreThanTheLimitAreRefusedWith1009() {
    Out out = new Out();
    EmbeddedChannel channel = channel(out, false);
    channel.writeInbound(Unpooled.wrappedBuffer(frame(0x01, new byte[6_000])));
    channel.writeInbound(Unpooled.wrappedBuffer(frame(0x80, new byte[6_000])));
    assertThat(out.events).containsExactly("failed:1009");
    assertThat(budget.reserved()).isZero();
    channel.writeInbound(Unpooled.wrappedBuffer(frame(0x81, text("after")))); // nothing more is read
    assertThat(out.events).containsExactly("failed:1009");
  }

  @Test
  void aCompressedMessageIsInflatedAndTheInflaterIsGoneAfterIt() {
    Out out = new Out();
    EmbeddedChannel channel = channel(out, true);
    String tasks = "{\"title\":\"งานบ้าน ✅\"},".repeat(200);
    channel.writeInbound(Unpooled.wrappedBuffer(frame(0xC1, deflate(text(tasks)))));
    channel.writeInbound(Unpooled.wrappedBuffer(frame(0xC1, deflate(text("second")))));
    assertThat(out.events).containsExactly("text:" + tasks, "text:second");
    assertThat(budget.reserved()).isZero();
  }

  @Test
  void aCompressedMessageThatInflatesPastTheLimitIsRefusedWith1009() {
    Out out = new Out();
    EmbeddedChannel channel = channel(out, true);
    channel.writeInbound(Unpooled.wrappedBuffer(frame(0xC1, deflate(new byte[MAX + 1]))));
    assertThat(out.events).containsExactly("failed:1009");
    assertThat(budget.reserved()).isZero();
  }

  @Test
  void compressionWithoutItsNegotiationAndMalformedFramesAreProtocolErrors() {
    for (byte[] bad : List.of(
        frame(0xC1, deflate(text("x"))), // RSV1 without per-message deflate
        Arrays.copyOf(new byte[] {(byte) 0x81, 0x05, 'h', 'e', 'l', 'l', 'o'}, 7), // not masked
        frame(0x89, new byte[126]), // a control frame over 125 bytes
        frame(0x09, new byte[1]), // a fragmented control frame
        frame(0x83, new byte[1]), // a reserved opcode
        frame(0x80, new byte[1]))) { // a continuation with nothing to continue
      Out out = new Out();
      channel(out, false).writeInbound(Unpooled.wrappedBuffer(bad));
      assertThat(out.events).containsExactly("failed:1002");
    }
    assertThat(budget.reserved()).isZero();
  }

  @Test
  void aFrameLongerThanTheLimitIsRefusedFromItsHeaderWithoutReservingAnything() {
    Out out = new Out();
    EmbeddedChannel channel = channel(out, false);
    byte[] header = Arrays.copyOf(frame(0x81, new byte[MAX + 1]), 8);
    channel.writeInbound(Unpooled.wrappedBuffer(header));
    assertThat(out.events).containsExactly("failed:1009");
    assertThat(budget.reserved()).isZero();
  }

  @Test
  void aCloseWithAnInvalidCodeIsAProtocolErrorAndAValidOnePassesOn() {
    Out out = new Out();
    channel(out, false).writeInbound(Unpooled.wrappedBuffer(frame(0x88, new byte[] {0x03, (byte) 0xe8, 'o', 'k'})));
    assertThat(out.events).containsExactly("close:1000");
    Out bad = new Out();
    channel(bad, false).writeInbound(Unpooled.wrappedBuffer(frame(0x88, new byte[] {0x03, (byte) 0xed})));
    assertThat(bad.events).containsExactly("failed:1002"); // 1005 may not be sent
  }

  /** Per-message deflate as a client sends it: raw deflate, sync-flushed, the last four bytes left off. */
  private static byte[] deflate(byte[] data) {
    Deflater deflater = new Deflater(6, true);
    deflater.setInput(data);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[4096];
    int n;
    while ((n = deflater.deflate(buffer, 0, buffer.length, Deflater.SYNC_FLUSH)) > 0) {
      out.write(buffer, 0, n);
    }
    deflater.end();
    byte[] all = out.toByteArray();
    return Arrays.copyOf(all, all.length - 4);
  }
}
