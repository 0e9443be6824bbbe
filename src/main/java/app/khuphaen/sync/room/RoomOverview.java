package app.khuphaen.sync.room;

import app.khuphaen.sync.model.PeerInfo;
import app.khuphaen.sync.model.RoomRecord;
import app.khuphaen.sync.store.RevisionInfo;
import app.khuphaen.sync.store.RoomStore;
import io.vertx.core.Future;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What the operator sees of the rooms, for the whole cluster from any node: the registry's rooms,
 * presence's peers with each socket's node and address, and the store's newest revision of each
 * document (stored within a second of its sync: the writer is write-behind).
 */
public final class RoomOverview {

  /** A peer with its sockets. */
  public record Peer(PeerInfo info, List<Connection> connections) {}

  /**
   * One room. {@code document} is its newest stored revision, or null; {@code lastActivity} the latest
   * of its creation, a join or leave, and a stored document.
   */
  public record Room(RoomRecord room, List<Peer> peers, RevisionInfo document, Instant lastActivity) {}

  private final RoomRegistry registry;
  private final Presence presence;
  private final RoomStore store;

  RoomOverview(RoomRegistry registry, Presence presence, RoomStore store) {
    this.registry = registry;
    this.presence = presence;
    this.store = store;
  }

  /** Every room, most recently active first. */
  Future<List<Room>> rooms() {
    Future<List<RoomRecord>> rooms = registry.all();
    Future<Map<String, Presence.RoomDetail>> details = presence.details();
    Future<Map<String, RevisionInfo>> documents = store.latestRevisions();
    return Future.all(rooms, details, documents).map(v -> rooms.result().stream()
        .map(room -> room(room, details.result().get(room.code()), documents.result().get(room.code())))
        .sorted(Comparator.comparing(Room::lastActivity).reversed())
        .toList());
  }

  /** One room, or null when there is none. */
  Future<Room> room(String code) {
    return registry.get(code).compose(room -> room == null
        ? Future.succeededFuture(null)
        : Future.all(presence.detail(code), store.revisions(code)).map(all -> {
          List<RevisionInfo> revisions = all.resultAt(1);
          return room(room, all.resultAt(0), revisions.isEmpty() ? null : revisions.get(0));
        }));
  }

  /** Whether the peer has a socket in the room. */
  Future<Boolean> hasPeer(String code, String peerId) {
    return presence.peers(code).map(peers -> peers.stream().anyMatch(p -> p.id().equals(peerId)));
  }

  private static Room room(RoomRecord room, Presence.RoomDetail detail, RevisionInfo document) {
    List<Peer> peers = detail == null ? List.of() : detail.peers();
    Instant lastActivity = Stream.of(room.createdAt(), detail == null ? null : detail.changedAt(),
            document == null ? null : document.writtenAt())
        .filter(java.util.Objects::nonNull)
        .max(Comparator.naturalOrder())
        .orElse(room.createdAt());
    return new Room(room, peers, document, lastActivity);
  }
}
