package app.khuphaen.sync.room;

import app.khuphaen.sync.model.PeerInfo;
import io.vertx.core.Future;

import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who is in each room: room code to {@code {"version": n, "changed_at": ms, "peers": {peer_id:
 * {"info": PeerInfo, "conns": {connection id: client address}}}}}, in Vert.x shared data. A peer is listed once however many sockets it
 * has joined from; it leaves presence when its last socket does. Every change bumps the room's
 * membership version (kept while the room exists, also when it is empty), which the peer_joined and
 * peer_left events carry so a joiner can tell which of them its room_info already reflects. Connection
 * ids start with their node's id ({@code node/n}), so presence also says which nodes have peers in the
 * room: where its frames must go. Callers hold the room's lock for every change.
 */
final class Presence {
  private static final String VERSION = "version";
  private static final String PEERS = "peers";
  private static final String INFO = "info";
  private static final String CONNS = "conns";
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
      JsonObject entry = all.getJsonObject(id);
      List<Connection> connections = new ArrayList<>();
      entry.getJsonObject(CONNS).forEach(c -> connections.add(new Connection(c.getKey(), (String) c.getValue())));
      peers.add(new RoomOverview.Peer(PeerInfo.fromJson(entry.getJsonObject(INFO)), connections));
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
      JsonObject entry = peers.getJsonObject(peer.id());
      JsonObject conns = entry == null ? new JsonObject() : entry.getJsonObject(CONNS);
      conns.put(connection.id(), connection.address());
      peers.put(peer.id(), new JsonObject().put(INFO, peer.toJson()).put(CONNS, conns));
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
      JsonObject entry = peers.getJsonObject(peerId);
      if (entry == null) {
        return Future.succeededFuture(new Removal(false, peers.isEmpty(), room.getLong(VERSION), nodes(room)));
      }
      JsonObject conns = entry.getJsonObject(CONNS);
      conns.remove(connectionId);
      boolean peerGone = conns.isEmpty();
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
            ((JsonObject) peer.getValue()).getJsonObject(CONNS).fieldNames().stream().anyMatch(c -> c.startsWith(prefix))))
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
        JsonObject conns = peers.getJsonObject(peerId).getJsonObject(CONNS);
        boolean touched = conns.fieldNames().removeIf(c -> c.startsWith(prefix));
        if (touched && conns.isEmpty()) {
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
        ((JsonObject) peer.getValue()).getJsonObject(CONNS).fieldNames().forEach(conn -> nodes.add(Connection.nodeOf(conn))));
    return List.copyOf(nodes);
  }

  private static Snapshot snapshot(JsonObject room, boolean nodeIsNew) {
    if (room == null) {
      return new Snapshot(List.of(), 0, List.of(), nodeIsNew);
    }
    List<PeerInfo> peers = new ArrayList<>();
    JsonObject all = room.getJsonObject(PEERS);
    for (String id : all.fieldNames()) {
      peers.add(PeerInfo.fromJson(all.getJsonObject(id).getJsonObject(INFO)));
    }
    return new Snapshot(peers, room.getLong(VERSION), nodes(room), nodeIsNew);
  }
}
