package app.khuphaen.sync.room;

import app.khuphaen.sync.protocol.ServerMessages;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

import java.nio.charset.StandardCharsets;

/**
 * Passes {@link RoomEvent}s by reference on one node. Between nodes: the excluded peer, then either
 * the frame or, for a document, the stamp and the document alone (the receiving node re-encodes the
 * frame rather than carrying the document twice).
 */
public final class RoomEventCodec implements MessageCodec<RoomEvent, RoomEvent> {
  public static final String NAME = "kp-room-event";

  @Override
  public void encodeToWire(Buffer buffer, RoomEvent event) {
    writeBytes(buffer, event.excludePeer() == null ? null : event.excludePeer().getBytes(StandardCharsets.UTF_8));
    buffer.appendLong(event.stamp());
    buffer.appendLong(event.version());
    buffer.appendByte((byte) (event.closesRoom() ? 1 : 0));
    writeBytes(buffer, event.document() == null ? event.frame() : event.document().getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public RoomEvent decodeFromWire(int pos, Buffer buffer) {
    int excludeLength = buffer.getInt(pos);
    String exclude = excludeLength < 0 ? null : buffer.getString(pos + 4, pos + 4 + excludeLength, "UTF-8");
    pos += 4 + Math.max(excludeLength, 0);
    long stamp = buffer.getLong(pos);
    long version = buffer.getLong(pos + 8);
    boolean closesRoom = buffer.getByte(pos + 16) == 1;
    pos += 17;
    int length = buffer.getInt(pos);
    byte[] payload = buffer.getBytes(pos + 4, pos + 4 + length);
    if (stamp == 0) {
      return new RoomEvent(exclude, payload, null, 0, version, closesRoom);
    }
    String document = new String(payload, StandardCharsets.UTF_8);
    return RoomEvent.document(exclude, ServerMessages.documentSyncUtf8(document), document, stamp);
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

  private static void writeBytes(Buffer buffer, byte[] bytes) {
    if (bytes == null) {
      buffer.appendInt(-1);
    } else {
      buffer.appendInt(bytes.length).appendBytes(bytes);
    }
  }
}
