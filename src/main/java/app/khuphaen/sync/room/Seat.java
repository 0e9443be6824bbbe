package app.khuphaen.sync.room;

import io.vertx.core.Future;

/**
 * A socket's place in a room, handed to it with its join: what it needs to leave again. The room
 * knows where the socket's events go (its event loop's fan-out) from the join on; the socket only
 * keeps its seat. Its own event loop only.
 */
public final class Seat {
  private final RoomMembers members;
  private final String room;
  private final String peerId;
  private final String connectionId;
  private final LocalFanout fanout;
  private final RoomMember member;

  Seat(RoomMembers members, String room, String peerId, String connectionId, LocalFanout fanout, RoomMember member) {
    this.members = members;
    this.room = room;
    this.peerId = peerId;
    this.connectionId = connectionId;
    this.fanout = fanout;
    this.member = member;
  }

  public String room() {
    return room;
  }

  /** Leaves the room; the others hear peer_left when this was the peer's last socket. */
  public Future<Void> leave() {
    return members.leave(room, peerId, connectionId, fanout, member);
  }

  /** The room was deleted: out of it (presence went with the room). */
  public void evicted() {
    members.evicted(room, fanout, member);
  }
}
