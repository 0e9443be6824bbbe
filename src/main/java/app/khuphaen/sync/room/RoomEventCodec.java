package app.khuphaen.sync.room;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

import java.nio.charset.StandardCharsets;

/** Passes {@link RoomEvent}s by reference on one node and as length-prefixed UTF-8 between nodes. */
public final class RoomEventCodec implements MessageCodec<RoomEvent, RoomEvent> {
  public static final String NAME = "kp-room-event";

  @Override
  public void encodeToWire(Buffer buffer, RoomEvent event) {
    writeString(buffer, event.excludePeer());
    writeString(buffer, event.frame());
  }

  @Override
  public RoomEvent decodeFromWire(int pos, Buffer buffer) {
    int excludeLength = buffer.getInt(pos);
    String exclude = excludeLength < 0 ? null : buffer.getString(pos + 4, pos + 4 + excludeLength, "UTF-8");
    int framePos = pos + 4 + Math.max(excludeLength, 0);
    int frameLength = buffer.getInt(framePos);
    return new RoomEvent(exclude, buffer.getString(framePos + 4, framePos + 4 + frameLength, "UTF-8"));
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
    if (s == null) {
      buffer.appendInt(-1);
      return;
    }
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    buffer.appendInt(bytes.length).appendBytes(bytes);
  }
}
