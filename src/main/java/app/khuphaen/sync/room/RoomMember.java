package app.khuphaen.sync.room;

import app.khuphaen.sync.transport.SharedFrame;

/** A local socket joined to a room, as the fan-out sees it. */
public interface RoomMember {

  /**
   * Called on the member's own event loop with every event of its room, including those not meant
   * for it (its own data and documents), so it can keep track of what it has seen. {@code frame} is
   * the event's frame, shared by every member on this event loop: retain it to keep or write it.
   */
  void onEvent(RoomEvent event, SharedFrame frame);
}
