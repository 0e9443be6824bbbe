package app.khuphaen.sync.room;

import app.khuphaen.sync.protocol.ServerMessages;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Passes {@link RoomEvent}s by reference on one node. Between nodes: the room, the excluded peer,
 * stamp, version, the room's nodes, then either the frame or, for a document, the document alone (the
 * receiving node re-encodes the frame rather than carrying the document twice).
 */
public final class RoomEventCodec implements MessageCodec<RoomEvent, RoomEvent> {
  public static final String NAME = "kp-room-event";

  @Override
  public void encodeToWire(Buffer buffer, RoomEvent event) {
    writeString(buffer, event.room());
    writeString(buffer, event.excludePeer());
    buffer.appendLong(event.stamp());
    buffer.appendLong(event.version());
    buffer.appendByte((byte) (event.closesRoom() ? 1 : 0));
    buffer.appendInt(event.nodes().size());
    event.nodes().forEach(node -> writeString(buffer, node));
    writeBytes(buffer, event.document() == null ? event.frame() : event.document().getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public RoomEvent decodeFromWire(int start, Buffer buffer) {
    Reader in = new Reader(buffer, start);
    String room = in.string();
    String exclude = in.string();
    long stamp = in.longValue();
    long version = in.longValue();
    boolean closesRoom = in.byteValue() == 1;
    int nodeCount = in.intValue();
    List<String> nodes = new ArrayList<>(nodeCount);
    for (int i = 0; i < nodeCount; i++) {
      nodes.add(in.string());
    }
    byte[] payload = in.bytes();
    if (stamp == 0) {
      return new RoomEvent(room, exclude, payload, null, 0, version, List.copyOf(nodes), closesRoom);
    }
    String document = new String(payload, StandardCharsets.UTF_8);
    return RoomEvent.document(room, exclude, ServerMessages.documentSyncUtf8(document), document, stamp);
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
