package app.khuphaen.sync.room;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

import java.nio.charset.StandardCharsets;

/** Passes {@link RoomEvent}s by reference on one node and length-prefixed between nodes. */
public final class RoomEventCodec implements MessageCodec<RoomEvent, RoomEvent> {
  public static final String NAME = "kp-room-event";

  @Override
  public void encodeToWire(Buffer buffer, RoomEvent event) {
    if (event.excludePeer() == null) {
      buffer.appendInt(-1);
    } else {
      byte[] exclude = event.excludePeer().getBytes(StandardCharsets.UTF_8);
      buffer.appendInt(exclude.length).appendBytes(exclude);
    }
    buffer.appendInt(event.frame().length).appendBytes(event.frame());
  }

  @Override
  public RoomEvent decodeFromWire(int pos, Buffer buffer) {
    int excludeLength = buffer.getInt(pos);
    String exclude = excludeLength < 0 ? null : buffer.getString(pos + 4, pos + 4 + excludeLength, "UTF-8");
    int framePos = pos + 4 + Math.max(excludeLength, 0);
    int frameLength = buffer.getInt(framePos);
    return new RoomEvent(exclude, buffer.getBytes(framePos + 4, framePos + 4 + frameLength));
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

}
