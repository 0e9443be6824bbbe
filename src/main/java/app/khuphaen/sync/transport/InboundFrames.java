package app.khuphaen.sync.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import app.khuphaen.sync.model.Reservation;
import app.khuphaen.sync.protocol.ErrorMessages;
import app.khuphaen.sync.protocol.Utf8;

import java.nio.ByteBuffer;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads a client's WebSocket frames (RFC 6455 section 5) into whole messages, in place of Netty's
 * frame decoder, frame aggregator and per-message-deflate decoder. The reason is memory: Netty's
 * decoder gathers a frame in a buffer that grows by copying and then copies the payload out, so a
 * large message costs three to four times its size at its peak, and nothing bounds how many are
 * read at once. Here a message's payload is unmasked straight from each read into one buffer of its
 * exact size, reserved from the server's {@link IncomingBudget} before its first byte is read. When
 * the budget has no room the socket stops reading until it has: TCP pushes back on the sender, and
 * a message within MAX_MESSAGE_BYTES is never refused for want of memory.
 *
 * <p>What is reserved: a single uncompressed frame, its length; a message in fragments, or a
 * compressed one, the most it may come to (MAX_MESSAGE_BYTES, or for one compressed frame its length
 * times deflate's largest ratio, if that is less). A compressed message (RSV1, per-message deflate
 * negotiated with {@code client_no_context_takeover}) is inflated as it arrives by an inflater made
 * for it and ended with it: an idle socket holds no compression state.
 *
 * <p>Out: {@link Message} for a whole text or binary message (its bytes copied to the heap, still
 * counted until its holder releases it), Netty's ping, pong and close frames for control frames. A frame over the
 * limits, before or after inflation, fires {@link CorruptedWebSocketFrameException} with 1009, a
 * malformed one with 1002 (1007 for a close reason that is not UTF-8); after that nothing more is
 * decoded. The channel's event loop only.
 */
public final class InboundFrames extends ChannelInboundHandlerAdapter {
  /**
   * A whole data message; {@code text} false for binary. Its bytes stay counted against the incoming
   * budget until {@code held} is released.
   */
  public record Message(byte[] payload, boolean text, Reservation held) {}

  private static final int OP_CONTINUATION = 0;
  private static final int OP_TEXT = 1;
  private static final int OP_BINARY = 2;
  private static final int OP_CLOSE = 8;
  private static final int OP_PING = 9;
  private static final int OP_PONG = 10;
  /** Deflate's largest expansion: one compressed byte never stands for more than this many. */
  private static final long DEFLATE_MAX_RATIO = 1032;
  /** What inflation writes into at a time. */
  private static final int INFLATED_CHUNK = 64 * 1024;
  /** The empty stored block a compressed message's sender leaves off (RFC 7692 section 7.2.2). */
  private static final byte[] DEFLATE_TAIL = {0x00, 0x00, (byte) 0xff, (byte) 0xff};

  private enum State { HEADER, PAYLOAD, WAITING, BROKEN }

  /** Payload bytes being unmasked: one array per event loop, not one per socket. */
  private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>() {
    @Override
    protected byte[] initialValue() {
      return new byte[8192];
    }
  };

  private final int maxMessageBytes;
  private final boolean deflate;
  private final IncomingBudget budget;
  private final long messageTimeoutMs;
  private ScheduledFuture<?> deadline; // while a granted message's reservation spans more than one read
  private final IncomingBudget.Waiter resume = this::granted;
  private ChannelHandlerContext ctx;
  private State state = State.HEADER;
  private ByteBuf pending; // bytes read but not yet decoded (a header split across reads, or read while waiting)

  // the frame being read
  private boolean fin;
  private int opcode;
  private long payloadLength;
  private final byte[] mask = new byte[4];
  private long payloadRead;
  private ByteBuf control; // a control frame's payload

  // the message being read
  private boolean inMessage;
  private boolean messageText;
  private boolean compressed;
  private long reserved; // held for the message (or waited for, in WAITING)
  private long messageBytes; // its payload so far (inflated, when compressed)
  private CompositeByteBuf message;
  private ByteBuf frameBuffer; // where the current data frame's payload goes (uncompressed)
  private Inflater inflater;
  private ByteBuf inflated; // the chunk inflation writes into

  /**
   * @param deflate whether per-message deflate was negotiated (with client_no_context_takeover)
   * @param messageTimeoutSeconds MESSAGE_TIMEOUT_SECONDS: a message must be whole this long after its
   *     reservation, so that a sender that stops (or trickles) cannot hold the budget for good
   */
  public InboundFrames(int maxMessageBytes, boolean deflate, IncomingBudget budget, int messageTimeoutSeconds) {
    this.maxMessageBytes = maxMessageBytes;
    this.deflate = deflate;
    this.budget = budget;
    this.messageTimeoutMs = messageTimeoutSeconds * 1000L;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf in)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (state == State.BROKEN) {
      in.release();
      return;
    }
    if (pending == null) {
      pending = in;
    } else if (pending instanceof CompositeByteBuf composite) {
      composite.addComponent(true, in);
    } else {
      pending = ctx.alloc().compositeBuffer().addComponents(true, pending, in);
    }
    decode();
  }

  /** Decodes what {@link #pending} holds, as far as it goes and the budget lets it. */
  private void decode() {
    try {
      while (state == State.HEADER || state == State.PAYLOAD) {
        boolean readable = pending != null && pending.isReadable();
        if (state == State.HEADER ? !readable || !readHeader() : !readable && payloadRead < payloadLength) {
          break;
        }
        if (state == State.PAYLOAD) {
          readPayload();
        }
      }
    } catch (CorruptedWebSocketFrameException e) {
      fail(e);
    }
    if (pending != null && (!pending.isReadable() || state == State.BROKEN)) {
      pending.release();
      pending = null;
    } else if (pending instanceof CompositeByteBuf composite) {
      composite.discardReadComponents();
    }
    // from the grant on, not while it waits: a sender kept waiting by others is never timed out
    if (inMessage && reserved > 0 && (state == State.HEADER || state == State.PAYLOAD) && deadline == null) {
      deadline = ctx.executor().schedule(this::expired, messageTimeoutMs, TimeUnit.MILLISECONDS);
    }
  }

  /** The message holding a reservation did not arrive whole in time. */
  private void expired() {
    deadline = null;
    if (inMessage && state != State.BROKEN) {
      fail(new CorruptedWebSocketFrameException(WebSocketCloseStatus.POLICY_VIOLATION, ErrorMessages.MESSAGE_TIMEOUT));
    }
  }

  /** Reads a whole header if it is there (answers false if not), checks it, and reserves for a data frame. */
  private boolean readHeader() {
    ByteBuf in = pending;
    if (in.readableBytes() < 2) {
      return false;
    }
    int at = in.readerIndex();
    int b0 = in.getUnsignedByte(at);
    int b1 = in.getUnsignedByte(at + 1);
    int length7 = b1 & 0x7F;
    int lengthBytes = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
    int headerLength = 2 + lengthBytes + 4;
    if ((b1 & 0x80) == 0) {
      throw violation("received a frame that is not masked as expected");
    }
    if (in.readableBytes() < headerLength) {
      return false;
    }
    fin = (b0 & 0x80) != 0;
    int rsv = (b0 & 0x70) >> 4;
    opcode = b0 & 0x0F;
    long length = length7;
    if (length7 == 126) {
      length = in.getUnsignedShort(at + 2);
      if (length < 126) {
        throw violation("invalid data frame length (not using minimal length encoding)");
      }
    } else if (length7 == 127) {
      length = in.getLong(at + 2);
      if (length < 0) {
        throw violation("invalid data frame length (negative length)");
      }
      if (length < 65536) {
        throw violation("invalid data frame length (not using minimal length encoding)");
      }
    }
    boolean control = opcode >= 8;
    boolean rsv1 = rsv == 4;
    if (rsv != 0 && !(rsv1 && deflate && !control && opcode != OP_CONTINUATION)) {
      throw violation("RSV != 0 and no extension negotiated, RSV:" + rsv);
    }
    if (control) {
      if (!fin) {
        throw violation("fragmented control frame");
      }
      if (length > 125) {
        throw violation("control frame with payload length > 125 octets");
      }
      if (opcode != OP_CLOSE && opcode != OP_PING && opcode != OP_PONG) {
        throw violation("control frame using reserved opcode " + opcode);
      }
      if (opcode == OP_CLOSE && length == 1) {
        throw violation("received close control frame with payload len 1");
      }
    } else {
      if (opcode != OP_CONTINUATION && opcode != OP_TEXT && opcode != OP_BINARY) {
        throw violation("data frame using reserved opcode " + opcode);
      }
      if (opcode == OP_CONTINUATION && !inMessage) {
        throw violation("received continuation data frame outside fragmented message");
      }
      if (opcode != OP_CONTINUATION && inMessage) {
        throw violation("received non-continuation data frame while inside fragmented message");
      }
      if (length > maxMessageBytes || !compressedOrStarting(rsv1) && messageBytes + length > maxMessageBytes) {
        throw tooBig();
      }
    }
    in.getBytes(at + 2 + lengthBytes, mask);
    in.skipBytes(headerLength);
    payloadLength = length;
    payloadRead = 0;
    if (control) {
      this.control = length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.buffer((int) length);
      state = State.PAYLOAD;
      return true;
    }
    if (opcode != OP_CONTINUATION) {
      startMessage(rsv1);
    }
    return reserveFor();
  }

  private boolean compressedOrStarting(boolean rsv1) {
    return opcode == OP_CONTINUATION ? compressed : rsv1;
  }

  private void startMessage(boolean rsv1) {
    inMessage = true;
    messageText = opcode == OP_TEXT;
    compressed = rsv1;
    messageBytes = 0;
    reserved = 0;
  }

  /**
   * Makes sure the message's reservation covers this frame; answers false (and waits, reading
   * nothing more) when the budget has no room yet.
   */
  private boolean reserveFor() {
    long needed;
    if (reserved > 0) {
      needed = 0; // a message in fragments, or a compressed one, reserved its most at its first frame
    } else if (compressed) {
      needed = fin ? Math.min(maxMessageBytes, payloadLength * DEFLATE_MAX_RATIO + INFLATED_CHUNK) : maxMessageBytes;
    } else {
      needed = fin ? payloadLength : maxMessageBytes;
    }
    if (needed == 0 || budget.reserve(needed, resume)) {
      reserved += needed;
      beginPayload();
      return true;
    }
    reserved = needed;
    state = State.WAITING;
    ctx.channel().config().setAutoRead(false);
    return false;
  }

  /** The budget granted what {@link #reserveFor} waited for (any thread). */
  private void granted() {
    ctx.executor().execute(() -> {
      if (state != State.WAITING) { // gone meanwhile
        budget.free(reserved);
        reserved = 0;
        return;
      }
      beginPayload();
      decode();
      ctx.channel().config().setAutoRead(true); // reads again
    });
  }

  private void beginPayload() {
    state = State.PAYLOAD;
    if (compressed) {
      if (inflater == null) {
        inflater = new Inflater(true);
      }
    } else if (payloadLength > 0) {
      frameBuffer = ctx.alloc().directBuffer((int) payloadLength, (int) payloadLength);
    }
  }

  /** Unmasks what has arrived of the current frame's payload into its place. */
  private void readPayload() {
    int n = pending == null ? 0 : (int) Math.min(pending.readableBytes(), payloadLength - payloadRead);
    byte[] scratch = SCRATCH.get();
    int done = 0;
    while (done < n) { // a chunk at a time through an array: unmasking byte by byte from a buffer is slow
      int chunk = Math.min(scratch.length, n - done);
      int offset = (int) (payloadRead & 3);
      pending.readBytes(scratch, 0, chunk);
      for (int i = 0; i < chunk; i++) {
        scratch[i] ^= mask[(offset + i) & 3];
      }
      payloadRead += chunk;
      done += chunk;
      if (control != null) {
        control.writeBytes(scratch, 0, chunk);
      } else if (compressed) {
        inflate(scratch, chunk);
      } else {
        frameBuffer.writeBytes(scratch, 0, chunk);
      }
    }
    if (payloadRead == payloadLength) {
      frameDone();
    }
  }

  /** Feeds {@code length} compressed bytes to the inflater and keeps what comes out. */
  private void inflate(byte[] input, int length) {
    inflater.setInput(input, 0, length);
    try {
      while (!inflater.needsInput() && !inflater.finished()) {
        if (inflated == null || !inflated.isWritable()) {
          addInflatedChunk();
        }
        ByteBuffer out = inflated.internalNioBuffer(inflated.writerIndex(), inflated.writableBytes());
        int written = inflater.inflate(out);
        inflated.writerIndex(inflated.writerIndex() + written);
        messageBytes += written;
        if (messageBytes > maxMessageBytes) {
          throw tooBig();
        }
        if (written == 0 && inflater.needsDictionary()) {
          throw violation("compressed message needs a preset dictionary");
        }
      }
    } catch (DataFormatException e) {
      throw violation("invalid compressed message: " + e.getMessage());
    }
  }

  private void addInflatedChunk() {
    if (message == null) {
      message = ctx.alloc().compositeDirectBuffer(Integer.MAX_VALUE);
    }
    if (inflated != null) {
      message.addComponent(true, inflated);
    }
    long room = reserved - message.readableBytes();
    inflated = ctx.alloc().directBuffer((int) Math.max(1, Math.min(INFLATED_CHUNK, room)));
  }

  private void frameDone() {
    state = State.HEADER;
    if (control != null) {
      ByteBuf payload = control;
      control = null;
      controlFrame(payload);
      return;
    }
    if (!compressed) {
      messageBytes += payloadLength;
      if (frameBuffer != null) {
        if (message == null) {
          message = ctx.alloc().compositeDirectBuffer(Integer.MAX_VALUE);
        }
        message.addComponent(true, frameBuffer);
        frameBuffer = null;
      }
    }
    if (fin) {
      if (compressed) {
        inflate(DEFLATE_TAIL, DEFLATE_TAIL.length);
      }
      messageDone();
    }
  }

  private void controlFrame(ByteBuf payload) {
    switch (opcode) {
      case OP_PING -> ctx.fireChannelRead(new PingWebSocketFrame(payload));
      case OP_PONG -> ctx.fireChannelRead(new PongWebSocketFrame(payload));
      default -> {
        if (payload.readableBytes() >= 2) {
          int code = payload.getUnsignedShort(0);
          if (!WebSocketCloseStatus.isValidStatusCode(code)) {
            payload.release();
            throw violation("Invalid close frame getStatus code: " + code);
          }
          if (!Utf8.isValid(ByteBufUtil.getBytes(payload, 2, payload.readableBytes() - 2))) {
            payload.release();
            throw new CorruptedWebSocketFrameException(WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "bytes are not UTF-8");
          }
        }
        ctx.fireChannelRead(new CloseWebSocketFrame(true, 0, payload));
      }
    }
  }

  /**
   * A whole message: to the heap, its buffers returned, then on to the socket. Of the reservation,
   * what the message did not need is returned now, and its size is held until the message is let go.
   */
  private void messageDone() {
    if (inflated != null) {
      message = message == null ? ctx.alloc().compositeDirectBuffer(Integer.MAX_VALUE) : message;
      message.addComponent(true, inflated);
      inflated = null;
    }
    byte[] payload = message == null ? new byte[0] : ByteBufUtil.getBytes(message);
    boolean text = messageText;
    Reservation held = hold(Math.min(reserved, payload.length));
    budget.free(reserved - Math.min(reserved, payload.length));
    reserved = 0;
    endMessage();
    ctx.fireChannelRead(new Message(payload, text, held));
  }

  /** {@code bytes} of the budget, given back by the first release. */
  private Reservation hold(long bytes) {
    if (bytes == 0) {
      return Reservation.NONE;
    }
    AtomicBoolean released = new AtomicBoolean();
    return () -> {
      if (released.compareAndSet(false, true)) {
        budget.free(bytes);
      }
    };
  }

  /** Lets go of the message being read: its buffers, its inflater and its reservation. */
  private void endMessage() {
    inMessage = false;
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
    compressed = false;
    messageBytes = 0;
    ReferenceCountUtil.safeRelease(message);
    ReferenceCountUtil.safeRelease(frameBuffer);
    ReferenceCountUtil.safeRelease(inflated);
    message = null;
    frameBuffer = null;
    inflated = null;
    if (inflater != null) {
      inflater.end();
      inflater = null;
    }
    if (state != State.WAITING && reserved > 0) {
      budget.free(reserved);
    } else if (state == State.WAITING && !budget.withdraw(resume)) {
      return; // granted meanwhile: granted() finds the state changed and frees it
    }
    reserved = 0;
  }

  private static CorruptedWebSocketFrameException violation(String reason) {
    return new CorruptedWebSocketFrameException(WebSocketCloseStatus.PROTOCOL_ERROR, reason);
  }

  private CorruptedWebSocketFrameException tooBig() {
    return new CorruptedWebSocketFrameException(WebSocketCloseStatus.MESSAGE_TOO_BIG,
        "Max message length of " + maxMessageBytes + " has been exceeded.");
  }

  /** After a breach nothing more is decoded; the socket answers the exception. */
  private void fail(CorruptedWebSocketFrameException e) {
    ReferenceCountUtil.safeRelease(control);
    control = null;
    endMessage(); // before the state changes: it frees a reservation held, or withdraws one waited for
    state = State.BROKEN;
    ctx.channel().config().setAutoRead(true); // what still comes is read and dropped
    ctx.fireExceptionCaught(e);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    release();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    release();
  }

  private void release() {
    if (state == State.BROKEN && reserved == 0 && pending == null && message == null) {
      return;
    }
    ReferenceCountUtil.safeRelease(control);
    control = null;
    endMessage();
    state = State.BROKEN;
    if (pending != null) {
      pending.release();
      pending = null;
    }
  }
}
