package app.khuphaen.sync.room;

import app.khuphaen.sync.model.JsonString;

import java.util.List;

/**
 * One frame for the peers of a room, encoded once (UTF-8 JSON text, never modified after creation)
 * by the node that produced it, with what receivers need to keep their view of the room consistent.
 * One record per kind.
 */
public sealed interface RoomEvent {
  /** The room's code. */
  String room();

  /** The complete JSON text frame, as UTF-8. */
  byte[] frame();

  /** Whether a socket joined as {@code peerId} should receive it (the sender never does). */
  default boolean isFor(String peerId) {
    return true;
  }

  /** A peer's {@code data}, for everyone but {@code from}. */
  record Data(String room, String from, byte[] frame) implements RoomEvent {
    @Override
    public boolean isFor(String peerId) {
      return !from.equals(peerId);
    }
  }

  /**
   * A {@code document_sync}, for everyone but {@code from}; the document itself rides along so other
   * nodes can keep it, with its {@link DocumentClock} stamp.
   */
  record Document(String room, String from, byte[] frame, JsonString document, long stamp) implements RoomEvent {
    @Override
    public boolean isFor(String peerId) {
      return !from.equals(peerId);
    }
  }

  /**
   * A peer_joined ({@code joined}) or peer_left, with the room's membership version after the change
   * and the nodes with peers in the room then (what every node routes the room's frames to).
   */
  record Membership(String room, byte[] frame, boolean joined, long version, List<String> nodes) implements RoomEvent {
    public Membership {
      nodes = List.copyOf(nodes);
    }
  }

  /** The room was deleted: every member gets {@code frame} and is out of the room. */
  record Closing(String room, byte[] frame) implements RoomEvent {}

  /**
   * The operator disconnects {@code peerId}: each of its sockets gets {@code frame} (an error), then
   * is closed with 4001 and the same text.
   */
  record Disconnect(String room, String peerId, byte[] frame) implements RoomEvent {
    @Override
    public boolean isFor(String peerId) {
      return this.peerId.equals(peerId);
    }
  }

  static Data data(String room, String from, byte[] frame) {
    return new Data(room, from, frame);
  }

  static Document document(String room, String from, byte[] frame, JsonString document, long stamp) {
    return new Document(room, from, frame, document, stamp);
  }

  static Membership membership(String room, byte[] frame, boolean joined, long version, List<String> nodes) {
    return new Membership(room, frame, joined, version, nodes);
  }

  static Closing closing(String room, byte[] frame) {
    return new Closing(room, frame);
  }

  static Disconnect disconnect(String room, String peerId, byte[] frame) {
    return new Disconnect(room, peerId, frame);
  }
}
