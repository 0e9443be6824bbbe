package app.khuphaen.sync.room;

import java.util.List;

/**
 * One frame for the peers of a room, encoded once (UTF-8 JSON text) by the node that produced it,
 * with what receivers need to keep their view of the room consistent.
 *
 * @param room the room's code
 * @param excludePeer the peer id that must not receive it (the sender of data and documents), or null
 * @param frame the complete JSON text frame as UTF-8; never modified after creation
 * @param document for a document_sync, the document itself (so other nodes can keep it), else null
 * @param stamp for a document_sync, its {@link DocumentClock} stamp, else 0
 * @param version for peer_joined / peer_left, the room's membership version after the change, else 0
 * @param nodes for peer_joined / peer_left, the nodes with peers in the room after the change (what
 *     every node routes the room's frames to), else an empty list
 * @param closesRoom whether the room is gone (deleted by its host) and its members must leave it
 */
public record RoomEvent(String room, String excludePeer, byte[] frame, String document, long stamp, long version,
                        List<String> nodes, boolean closesRoom) {

  public static RoomEvent data(String room, String excludePeer, byte[] frame) {
    return new RoomEvent(room, excludePeer, frame, null, 0, 0, List.of(), false);
  }

  public static RoomEvent document(String room, String from, byte[] frame, String document, long stamp) {
    return new RoomEvent(room, from, frame, document, stamp, 0, List.of(), false);
  }

  public static RoomEvent membership(String room, byte[] frame, long version, List<String> nodes) {
    return new RoomEvent(room, null, frame, null, 0, version, List.copyOf(nodes), false);
  }

  /** The room was deleted: every member gets {@code frame} and is out of the room. */
  public static RoomEvent closing(String room, byte[] frame) {
    return new RoomEvent(room, null, frame, null, 0, 0, List.of(), true);
  }

  /** Whether a socket joined as {@code peerId} should receive this event. */
  public boolean isFor(String peerId) {
    return excludePeer == null || !excludePeer.equals(peerId);
  }

  public boolean isMembership() {
    return version > 0;
  }
}
