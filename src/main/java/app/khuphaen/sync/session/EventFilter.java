package app.khuphaen.sync.session;

import app.khuphaen.sync.room.RoomEvent;

/**
 * What a joined client already knows — the membership version its room_info reflected, the newest
 * document it has (received or sent) — and so which of its room's events it still needs. Dropped: a
 * peer_joined / peer_left its room_info already reflected (published before it joined but still on
 * its way), a document older than the one it has (a concurrent sync from another node that lost), and
 * its own data and documents. Membership events after the join all pass, whatever order they arrive
 * in: several can share a version (a dead node's peers leave in one change) and changes made on
 * different nodes may cross on the way. Its connection's event loop only.
 */
final class EventFilter {
  private final String peerId;
  private final long joinedVersion;
  private long documentStamp;

  EventFilter(String peerId, long joinedVersion, long documentStamp) {
    this.peerId = peerId;
    this.joinedVersion = joinedVersion;
    this.documentStamp = documentStamp;
  }

  /** Whether the client needs {@code event}; a document, even its own, counts as known from here on. */
  boolean wants(RoomEvent event) {
    boolean wanted = true;
    if (event instanceof RoomEvent.Membership membership) {
      wanted = membership.version() > joinedVersion;
    } else if (event instanceof RoomEvent.Document document) {
      wanted = document.stamp() > documentStamp;
      documentStamp = Math.max(documentStamp, document.stamp());
    }
    return wanted && event.isFor(peerId);
  }
}
