package app.khuphaen.sync.room;

import io.netty.buffer.ByteBuf;

/** A local socket joined to a room, as the fan-out sees it. */
public interface RoomMember {
  String peerId();

  /**
   * Called on the member's own event loop with a UTF-8 text frame meant for it. The buffer is shared
   * by every receiver on this event loop: retain (or retainedDuplicate) whatever is kept or written.
   */
  void deliver(ByteBuf frame);

  /** The room was deleted: {@code frame} says so, and the member is no longer in it. */
  void evict(String code, ByteBuf frame);
}
