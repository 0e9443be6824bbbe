package app.khuphaen.sync.room;

import app.khuphaen.sync.model.PeerInfo;
import io.vertx.core.Future;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Who is in each room: room code to {@code {"version": n, "changed_at": ms, "peers": {peer_id:
 * [joined_at ms, is_host, metadata, connection id, client address, connection id, ...]}}}, in Vert.x
 * shared data. A peer's entry is one flat array rather than nested objects because presence holds one
 * per connected peer, and the heap per idle connection is what bounds how many fit in the container
 * (docs/performance.md). A peer is listed once however many sockets it has joined from; it leaves
 * presence when its last socket does. Every change bumps the room's membership version (kept while
 * the room exists, also when it is empty), which the peer_joined and peer_left events carry so a
 * joiner can tell which of them its room_info already reflects. Connection
 * ids start with their node's id ({@code node/n}), so presence also says which nodes have peers in the
 * room: where its frames must go. Callers hold the room's lock for every change.
 */
final class Presence {
  private static final String VERSION = "version";
  private static final String PEERS = "peers";
  /** Positions in a peer's entry; its connections' ids and addresses follow in pairs. */
  private static final int JOINED_AT = 0;
  private static final int IS_HOST = 1;
  private static final int METADATA = 2;
  private static final int FIRST_CONNECTION = 3;
  private static final String CHANGED_AT = "changed_at";

  private final AsyncMap<String, JsonObject> map;

  Presence(AsyncMap<String, JsonObject> map) {
    this.map = map;
  }

  /**
   * The peers of a room, the membership version they reflect, the nodes with peers in it, and (after
   * an add) whether the connection's node had none before.
   */
  record Snapshot(List<PeerInfo> peers, long version, List<String> nodes, boolean nodeIsNew) {}

  /** A room's peers with their sockets, and when its membership last changed (null if never). */
  record RoomDetail(List<RoomOverview.Peer> peers, Instant changedAt) {}

  /** Every room's details, by code (rooms nobody joined yet are absent). */
  Future<Map<String, RoomDetail>> details() {
    return map.entries().map(entries -> {
      Map<String, RoomDetail> details = new HashMap<>();
      entries.forEach((code, room) -> details.put(code, detail(room)));
      return details;
    });
  }

  Future<RoomDetail> detail(String code) {
    return map.get(code).map(Presence::detail);
  }

  private static RoomDetail detail(JsonObject room) {
    if (room == null) {
      return new RoomDetail(List.of(), null);
    }
    List<RoomOverview.Peer> peers = new ArrayList<>();
    JsonObject all = room.getJsonObject(PEERS);
    for (String id : all.fieldNames()) {
      JsonArray entry = all.getJsonArray(id);
      List<Connection> connections = new ArrayList<>();
      for (int i = FIRST_CONNECTION; i < entry.size(); i += 2) {
        connections.add(new Connection(entry.getString(i), entry.getString(i + 1)));
      }
      peers.add(new RoomOverview.Peer(info(id, entry), connections));
    }
    Long changedAt = room.getLong(CHANGED_AT);
    return new RoomDetail(peers, changedAt == null ? null : Instant.ofEpochMilli(changedAt));
  }

  Future<List<PeerInfo>> peers(String code) {
    return map.get(code).map(room -> snapshot(room, false).peers());
  }

  /** The nodes with peers in the room (empty for an unknown room). */
  Future<List<String>> nodes(String code) {
    return map.get(code).map(Presence::nodes);
  }


  /** Adds a connection of {@code peer} (its newest PeerInfo wins); answers the room afterwards. */
  Future<Snapshot> add(String code, PeerInfo peer, Connection connection) {
    return map.get(code).compose(current -> {
      JsonObject room = current == null ? new JsonObject().put(VERSION, 0L).put(PEERS, new JsonObject()) : current;
      boolean nodeIsNew = !nodes(room).contains(Connection.nodeOf(connection.id()));
      JsonObject peers = room.getJsonObject(PEERS);
      JsonArray previous = peers.getJsonArray(peer.id());
      JsonArray entry = new JsonArray().add(peer.joinedAt().toEpochMilli()).add(peer.isHost()).add(peer.metadata());
      for (int i = FIRST_CONNECTION; previous != null && i < previous.size(); i += 2) {
        if (!previous.getString(i).equals(connection.id())) {
          entry.add(previous.getString(i)).add(previous.getString(i + 1));
        }
      }
      peers.put(peer.id(), entry.add(connection.id()).add(connection.address()));
      bump(room);
      return map.put(code, room).map(v -> snapshot(room, nodeIsNew));
    });
  }

  /** What removing one connection changed, the membership version and the room's nodes after it. */
  record Removal(boolean peerGone, boolean roomEmpty, long version, List<String> nodes) {}

  Future<Removal> remove(String code, String peerId, String connectionId) {
    return map.get(code).compose(room -> {
      if (room == null) {
        return Future.succeededFuture(new Removal(false, true, 0, List.of()));
      }
      JsonObject peers = room.getJsonObject(PEERS);
      JsonArray entry = peers.getJsonArray(peerId);
      if (entry == null) {
        return Future.succeededFuture(new Removal(false, peers.isEmpty(), room.getLong(VERSION), nodes(room)));
      }
      removeConnections(entry, connectionId::equals);
      boolean peerGone = entry.size() == FIRST_CONNECTION;
      if (peerGone) {
        peers.remove(peerId);
      }
      bump(room);
      return map.put(code, room).map(v -> new Removal(peerGone, peers.isEmpty(), room.getLong(VERSION), nodes(room)));
    });
  }

  /** The rooms where a connection of {@code nodeId} is listed. */
  Future<List<String>> roomsWithNode(String nodeId) {
    String prefix = nodeId + "/";
    return map.entries().map(entries -> entries.entrySet().stream()
        .filter(e -> e.getValue().getJsonObject(PEERS).stream().anyMatch(peer ->
            connectionIds((JsonArray) peer.getValue()).stream().anyMatch(c -> c.startsWith(prefix))))
        .map(Map.Entry::getKey)
        .toList());
  }

  /** What removing a dead node's connections from a room changed. */
  record NodeRemoval(List<String> peersGone, boolean roomEmpty, long version, List<String> nodes) {}

  /** Removes every connection of {@code nodeId} (connection ids start with it) from the room. */
  Future<NodeRemoval> removeNode(String code, String nodeId) {
    String prefix = nodeId + "/";
    return map.get(code).compose(room -> {
      if (room == null) {
        return Future.succeededFuture(new NodeRemoval(List.of(), true, 0, List.of()));
      }
      JsonObject peers = room.getJsonObject(PEERS);
      List<String> gone = new ArrayList<>();
      for (String peerId : new ArrayList<>(peers.fieldNames())) {
        JsonArray entry = peers.getJsonArray(peerId);
        boolean touched = removeConnections(entry, c -> c.startsWith(prefix));
        if (touched && entry.size() == FIRST_CONNECTION) {
          peers.remove(peerId);
          gone.add(peerId);
        }
      }
      bump(room);
      return map.put(code, room).map(v -> new NodeRemoval(gone, peers.isEmpty(), room.getLong(VERSION), nodes(room)));
    });
  }

  /** The room is gone (swept or deleted). */
  Future<Void> clear(String code) {
    return map.remove(code).mapEmpty();
  }

  private static void bump(JsonObject room) {
    room.put(VERSION, room.getLong(VERSION) + 1);
    room.put(CHANGED_AT, System.currentTimeMillis());
  }

  private static List<String> nodes(JsonObject room) {
    if (room == null) {
      return List.of();
    }
    Set<String> nodes = new LinkedHashSet<>();
    room.getJsonObject(PEERS).forEach(peer ->
        connectionIds((JsonArray) peer.getValue()).forEach(conn -> nodes.add(Connection.nodeOf(conn))));
    return List.copyOf(nodes);
  }

  private static Snapshot snapshot(JsonObject room, boolean nodeIsNew) {
    if (room == null) {
      return new Snapshot(List.of(), 0, List.of(), nodeIsNew);
    }
    List<PeerInfo> peers = new ArrayList<>();
    JsonObject all = room.getJsonObject(PEERS);
    for (String id : all.fieldNames()) {
      peers.add(info(id, all.getJsonArray(id)));
    }
    return new Snapshot(peers, room.getLong(VERSION), nodes(room), nodeIsNew);
  }

  private static PeerInfo info(String id, JsonArray entry) {
    return new PeerInfo(id, Instant.ofEpochMilli(entry.getLong(JOINED_AT)), entry.getBoolean(IS_HOST), entry.getValue(METADATA));
  }

  private static List<String> connectionIds(JsonArray entry) {
    List<String> ids = new ArrayList<>((entry.size() - FIRST_CONNECTION) / 2);
    for (int i = FIRST_CONNECTION; i < entry.size(); i += 2) {
      ids.add(entry.getString(i));
    }
    return ids;
  }

  /** Removes the connections whose id matches (each with its address); answers whether any was. */
  private static boolean removeConnections(JsonArray entry, Predicate<String> matches) {
    boolean removed = false;
    for (int i = entry.size() - 2; i >= FIRST_CONNECTION; i -= 2) {
      if (matches.test(entry.getString(i))) {
        entry.remove(i + 1);
        entry.remove(i);
        removed = true;
      }
    }
    return removed;
  }
}
