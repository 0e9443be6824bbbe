package app.khuphaen.sync.room;

import app.khuphaen.sync.protocol.ServerMessages;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Passes {@link RoomEvent}s by reference on one node. Between nodes: the room, the kind, then the
 * kind's fields; a document travels as its frame alone (the document is the frame's escaped value).
 */
public final class RoomEventCodec implements MessageCodec<RoomEvent, RoomEvent> {
  public static final String NAME = "kp-room-event";
  private static final byte DATA = 1;
  private static final byte DOCUMENT = 2;
  private static final byte MEMBERSHIP = 3;
  private static final byte CLOSING = 4;
  private static final byte DISCONNECT = 5;

  /** Makes every {@link RoomEvent}, whatever its kind, travel with this codec on {@code bus}. */
  public static void register(EventBus bus) {
    bus.unregisterCodec(NAME);
    bus.registerCodec(new RoomEventCodec());
    bus.codecSelector(body -> body instanceof RoomEvent ? NAME : null);
  }

  @Override
  public void encodeToWire(Buffer buffer, RoomEvent event) {
    writeString(buffer, event.room());
    if (event instanceof RoomEvent.Data data) {
      buffer.appendByte(DATA);
      writeString(buffer, data.from());
      writeBytes(buffer, data.frame());
    } else if (event instanceof RoomEvent.Document document) {
      buffer.appendByte(DOCUMENT);
      writeString(buffer, document.from());
      buffer.appendLong(document.stamp());
      writeBytes(buffer, document.frame()); // the document is in it: the receiving node finds it there
    } else if (event instanceof RoomEvent.Membership membership) {
      buffer.appendByte(MEMBERSHIP);
      buffer.appendByte(membership.joined() ? (byte) 1 : 0);
      buffer.appendLong(membership.version());
      buffer.appendInt(membership.nodes().size());
      membership.nodes().forEach(node -> writeString(buffer, node));
      writeBytes(buffer, membership.frame());
    } else if (event instanceof RoomEvent.Disconnect disconnect) {
      buffer.appendByte(DISCONNECT);
      writeString(buffer, disconnect.peerId());
      writeBytes(buffer, disconnect.frame());
    } else {
      buffer.appendByte(CLOSING);
      writeBytes(buffer, event.frame());
    }
  }

  @Override
  public RoomEvent decodeFromWire(int start, Buffer buffer) {
    Reader in = new Reader(buffer, start);
    String room = in.string();
    byte kind = in.byteValue();
    switch (kind) {
      case DATA -> {
        String from = in.string();
        return RoomEvent.data(room, from, in.bytes());
      }
      case DOCUMENT -> {
        String from = in.string();
        long stamp = in.longValue();
        byte[] frame = in.bytes();
        return RoomEvent.document(room, from, frame, ServerMessages.documentOf(frame), stamp);
      }
      case MEMBERSHIP -> {
        boolean joined = in.byteValue() == 1;
        long version = in.longValue();
        int nodeCount = in.intValue();
        List<String> nodes = new ArrayList<>(nodeCount);
        for (int i = 0; i < nodeCount; i++) {
          nodes.add(in.string());
        }
        return RoomEvent.membership(room, in.bytes(), joined, version, nodes);
      }
      case CLOSING -> {
        return RoomEvent.closing(room, in.bytes());
      }
      case DISCONNECT -> {
        String peerId = in.string();
        return RoomEvent.disconnect(room, peerId, in.bytes());
      }
      default -> throw new IllegalStateException("unknown room event kind " + kind);
    }
  }

  @Override
  public RoomEvent transform(RoomEvent event) {
    return event; // immutable: every local consumer can share it
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }

  private static void writeString(Buffer buffer, String s) {
    writeBytes(buffer, s == null ? null : s.getBytes(StandardCharsets.UTF_8));
  }

  private static void writeBytes(Buffer buffer, byte[] bytes) {
    if (bytes == null) {
      buffer.appendInt(-1);
    } else {
      buffer.appendInt(bytes.length).appendBytes(bytes);
    }
  }

  /** Reads what {@link #encodeToWire} wrote, in order. */
  private static final class Reader {
    private final Buffer buffer;
    private int pos;

    Reader(Buffer buffer, int pos) {
      this.buffer = buffer;
      this.pos = pos;
    }

    int intValue() {
      int v = buffer.getInt(pos);
      pos += 4;
      return v;
    }

    long longValue() {
      long v = buffer.getLong(pos);
      pos += 8;
      return v;
    }

    byte byteValue() {
      return buffer.getByte(pos++);
    }

    byte[] bytes() {
      int length = intValue();
      if (length < 0) {
        return null;
      }
      byte[] bytes = buffer.getBytes(pos, pos + length);
      pos += length;
      return bytes;
    }

    String string() {
      byte[] bytes = bytes();
      return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
  }
}
