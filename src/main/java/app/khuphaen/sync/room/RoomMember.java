package app.khuphaen.sync.room;

import io.netty.buffer.ByteBuf;

/** A local socket joined to a room, as the fan-out sees it. */
public interface RoomMember {

  /**
   * Called on the member's own event loop with every event of its room, including those not meant
   * for it (its own data and documents), so it can keep track of what it has seen. {@code frame} is
   * the event's complete wire frame ({@code WireFrames}), shared by every member on this event loop:
   * retain (or retainedDuplicate) whatever is kept or written.
   */
  void onEvent(RoomEvent event, ByteBuf frame);
}
