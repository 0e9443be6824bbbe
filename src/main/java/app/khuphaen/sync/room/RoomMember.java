package app.khuphaen.sync.room;

/** A local socket joined to a room, as the fan-out sees it. */
public interface RoomMember {
  String peerId();

  /** Called on the member's own event loop with a frame meant for it. */
  void deliver(String frame);
}
