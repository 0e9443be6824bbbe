package app.khuphaen.sync.room;

import static net.logstash.logback.argument.StructuredArguments.kv;

import app.khuphaen.sync.cluster.Membership;
import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.model.PeerInfo;
import app.khuphaen.sync.room.RoomRefusal.Reason;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;

/**
 * Who is in each room: joining (with its order and host rules), leaving, a deleted room's sockets,
 * and the peers of a node that left the cluster. Every change runs under the room's lock and is
 * announced (peer_joined / peer_left) while the lock is held.
 */
final class RoomMembers {
  private static final Logger log = LoggerFactory.getLogger(RoomMembers.class);

  private final RoomDirectory directory;
  private final Presence presence;
  private final RoomRoutes routes;
  private final Documents documents;
  private final NodeBus nodeBus;
  private final Relay relay;
  private final RoomLocks locks;
  private final Membership membership;
  private final int maxPeersPerRoom;
  private final boolean keyRequired;

  RoomMembers(RoomDirectory directory, Presence presence, RoomRoutes routes, Documents documents, NodeBus nodeBus,
              Relay relay, RoomLocks locks, Membership membership, Settings settings) {
    this.directory = directory;
    this.presence = presence;
    this.routes = routes;
    this.documents = documents;
    this.nodeBus = nodeBus;
    this.relay = relay;
    this.locks = locks;
    this.membership = membership;
    this.maxPeersPerRoom = settings.limits().maxPeersPerRoom();
    this.keyRequired = settings.security().hostAuth() == Settings.HostAuth.REQUIRED;
  }

  /**
   * Joins {@code member} to the room. While still holding the room's lock this calls
   * {@code onJoined} (which must write the joiner's answers) and announces peer_joined, so no other
   * membership change of the room can come between. When this node had no peers in the room, the
   * other nodes of the room get peer_joined first and must confirm it (it carries the room's nodes, so
   * they now route its frames here) before the joiner is answered: from its {@code connected} on, it
   * misses nothing sent anywhere in the cluster.
   */
  Future<RoomService.Joined> join(String code, PeerInfo peer, String hostKey, Connection connection, LocalFanout fanout,
                      RoomMember member, Consumer<RoomService.Joined> onJoined) {
    return locks.withRoomLock(code, () -> directory.existing(code).compose(room -> {
      boolean hasKey = HostKeys.matches(room, hostKey);
      boolean host = peer.isHost() && (!keyRequired || hasKey);
      // with keys required, the host's peer id is the host's too: nobody else may appear as it
      boolean impostor = keyRequired && peer.id().equals(room.hostId()) && !hasKey;
      if ((peer.isHost() && !host) || impostor) {
        return Future.failedFuture(new RoomRefusal(Reason.INVALID_HOST_KEY));
      }
      return presence.peers(code).compose(current -> {
        boolean newcomer = current.stream().noneMatch(p -> p.id().equals(peer.id()));
        // the holder of the host key always gets in, in every HOST_AUTH mode: a room filled by
        // others must not shut out its own host (the key takes a seat kept for it, over the cap)
        if (newcomer && current.size() >= maxPeersPerRoom && !hasKey) {
          return Future.failedFuture(new RoomRefusal(Reason.ROOM_FULL));
        }
        return presence.add(code, peer, connection);
      })
          .compose(snapshot -> directory.markOccupied(room).map(snapshot))
          .compose(snapshot -> {
            routes.retain(code, snapshot.version(), snapshot.nodes());
            documents.retain(code);
            return fanout.add(code, member).map(snapshot);
          })
          .compose(snapshot -> documents.get(code).compose(doc -> {
            RoomService.Joined joined = new RoomService.Joined(room, snapshot.peers(), snapshot.version(), doc, host,
                new Seat(this, code, peer.id(), connection.id(), fanout, member));
            RoomEvent peerJoined = Relay.peerJoinedEvent(code, peer, snapshot.version(), snapshot.nodes());
            if (!snapshot.nodeIsNew()) {
              onJoined.accept(joined);
              nodeBus.publish(peerJoined, snapshot.nodes());
              return Future.succeededFuture(joined);
            }
            return nodeBus.deliverConfirmed(peerJoined, snapshot.nodes()).map(v -> {
              onJoined.accept(joined);
              nodeBus.deliverLocally(peerJoined);
              return joined;
            });
          }))
          .onSuccess(joined -> log.info("{} {} joined (host={}, {} peers)", kv("room", code), kv("peer", peer.id()), host, joined.peers().size()))
          .onFailure(err -> {
            if (fanout.remove(code, member)) {
              releaseLocal(code);
              presence.remove(code, peer.id(), connection.id());
            }
          });
    }));
  }

  /**
   * Removes one socket of a peer; the room hears peer_left when it was the peer's last socket. On a
   * node that is separated from its cluster, presence is left alone until it is back: its view is
   * stale, and a membership change made from it (with a version the cluster has used for something
   * else meanwhile) could keep the others' routes from ever reaching this node again. The others
   * have removed its peers themselves, if they dropped it.
   */
  Future<Void> leave(String code, String peerId, String connectionId, LocalFanout fanout, RoomMember member) {
    if (fanout.remove(code, member)) {
      releaseLocal(code);
    }
    return membership.reunited().compose(v -> locks.withRoomLock(code, () -> presence.remove(code, peerId, connectionId).compose(removal -> {
      if (removal.peerGone()) {
        relay.peerLeft(code, peerId, removal.version(), removal.nodes());
        log.info("{} {} left", kv("room", code), kv("peer", peerId));
      }
      return removal.roomEmpty() ? directory.markEmpty(code) : Future.succeededFuture();
    })));
  }

  /** The room was deleted: this socket is out of it (presence went with the room). Its own event loop only. */
  void evicted(String code, LocalFanout fanout, RoomMember member) {
    if (fanout.remove(code, member)) {
      releaseLocal(code);
    }
  }

  /**
   * Another node left the cluster (stopped or died): its sockets are gone, so its peers leave presence
   * and the rooms hear peer_left. Every surviving node runs this; under each room's lock only the first
   * finds anything to remove, so each peer_left goes out once.
   */
  void removeNode(String deadNode) {
    routes.dropNode(deadNode);
    if (membership.separated()) {
      log.info("node {} left while this node was cut off: the others clean up after it", deadNode);
      return;
    }
    presence.roomsWithNode(deadNode).onSuccess(codes -> codes.forEach(code ->
        locks.withRoomLock(code, () -> presence.removeNode(code, deadNode).compose(removal -> {
          removal.peersGone().forEach(peer -> {
            relay.peerLeft(code, peer, removal.version(), removal.nodes());
            log.info("{} {} left (its {} is gone)", kv("room", code), kv("peer", peer), kv("node", deadNode));
          });
          return removal.peersGone().isEmpty() || !removal.roomEmpty() ? Future.succeededFuture() : directory.markEmpty(code);
        })).onFailure(err -> log.warn("{} cleanup after {} left failed: {}", kv("room", code), kv("node", deadNode), err.toString()))))
        .onFailure(err -> log.warn("cleanup after node {} left failed: {}", deadNode, err.toString()));
  }

  /** One local member fewer in the room. */
  private void releaseLocal(String code) {
    documents.release(code);
    routes.release(code);
  }
}
