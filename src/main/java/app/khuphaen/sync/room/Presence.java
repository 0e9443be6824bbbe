package app.khuphaen.sync.room;

import app.khuphaen.sync.protocol.PeerInfo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Who is in each room: room code to {@code {"version": n, "peers": {peer_id: {"info": PeerInfo,
 * "conns": [connection ids]}}}}, in Vert.x shared data. A peer is listed once however many sockets it
 * has joined from; it leaves presence when its last socket does. Every change bumps the room's
 * membership version (kept while the room exists, also when it is empty), which the peer_joined and
 * peer_left events carry so a joiner can tell which of them its room_info already reflects. Callers
 * hold the room's lock for every change.
 */
final class Presence {
  private static final String VERSION = "version";
  private static final String PEERS = "peers";
  private static final String INFO = "info";
  private static final String CONNS = "conns";

  private final AsyncMap<String, JsonObject> map;

  Presence(AsyncMap<String, JsonObject> map) {
    this.map = map;
  }

  /** The peers of a room, and the membership version they reflect. */
  record Snapshot(List<PeerInfo> peers, long version) {}

  Future<List<PeerInfo>> peers(String code) {
    return map.get(code).map(room -> snapshot(room).peers());
  }

  /** Adds a connection of {@code peer} (its newest PeerInfo wins); answers the room afterwards. */
  Future<Snapshot> add(String code, PeerInfo peer, String connectionId) {
    return map.get(code).compose(current -> {
      JsonObject room = current == null ? new JsonObject().put(VERSION, 0L).put(PEERS, new JsonObject()) : current;
      JsonObject peers = room.getJsonObject(PEERS);
      JsonObject entry = peers.getJsonObject(peer.id());
      JsonArray conns = entry == null ? new JsonArray() : entry.getJsonArray(CONNS);
      if (!conns.contains(connectionId)) {
        conns.add(connectionId);
      }
      peers.put(peer.id(), new JsonObject().put(INFO, peer.toJson()).put(CONNS, conns));
      bump(room);
      return map.put(code, room).map(v -> snapshot(room));
    });
  }

  /** What removing one connection changed, and the membership version after it. */
  record Removal(boolean peerGone, boolean roomEmpty, long version) {}

  Future<Removal> remove(String code, String peerId, String connectionId) {
    return map.get(code).compose(room -> {
      if (room == null) {
        return Future.succeededFuture(new Removal(false, true, 0));
      }
      JsonObject peers = room.getJsonObject(PEERS);
      JsonObject entry = peers.getJsonObject(peerId);
      if (entry == null) {
        return Future.succeededFuture(new Removal(false, peers.isEmpty(), room.getLong(VERSION)));
      }
      JsonArray conns = entry.getJsonArray(CONNS);
      conns.remove(connectionId);
      boolean peerGone = conns.isEmpty();
      if (peerGone) {
        peers.remove(peerId);
      }
      bump(room);
      return map.put(code, room).map(v -> new Removal(peerGone, peers.isEmpty(), room.getLong(VERSION)));
    });
  }

  /** The rooms where a connection of {@code nodeId} is listed. */
  Future<List<String>> roomsWithNode(String nodeId) {
    String prefix = nodeId + "/";
    return map.entries().map(entries -> entries.entrySet().stream()
        .filter(e -> e.getValue().getJsonObject(PEERS).stream().anyMatch(peer ->
            ((JsonObject) peer.getValue()).getJsonArray(CONNS).stream().anyMatch(c -> ((String) c).startsWith(prefix))))
        .map(Map.Entry::getKey)
        .toList());
  }

  /** What removing a dead node's connections from a room changed. */
  record NodeRemoval(List<String> peersGone, boolean roomEmpty, long version) {}

  /** Removes every connection of {@code nodeId} (connection ids start with it) from the room. */
  Future<NodeRemoval> removeNode(String code, String nodeId) {
    String prefix = nodeId + "/";
    return map.get(code).compose(room -> {
      if (room == null) {
        return Future.succeededFuture(new NodeRemoval(List.of(), true, 0));
      }
      JsonObject peers = room.getJsonObject(PEERS);
      List<String> gone = new ArrayList<>();
      for (String peerId : new ArrayList<>(peers.fieldNames())) {
        JsonArray conns = peers.getJsonObject(peerId).getJsonArray(CONNS);
        boolean touched = conns.getList().removeIf(c -> ((String) c).startsWith(prefix));
        if (touched && conns.isEmpty()) {
          peers.remove(peerId);
          gone.add(peerId);
        }
      }
      bump(room);
      return map.put(code, room).map(v -> new NodeRemoval(gone, peers.isEmpty(), room.getLong(VERSION)));
    });
  }

  /** The room is gone (swept or deleted). */
  Future<Void> clear(String code) {
    return map.remove(code).mapEmpty();
  }

  private static void bump(JsonObject room) {
    room.put(VERSION, room.getLong(VERSION) + 1);
  }

  private static Snapshot snapshot(JsonObject room) {
    if (room == null) {
      return new Snapshot(List.of(), 0);
    }
    List<PeerInfo> peers = new ArrayList<>();
    JsonObject all = room.getJsonObject(PEERS);
    for (String id : all.fieldNames()) {
      peers.add(PeerInfo.fromJson(all.getJsonObject(id).getJsonObject(INFO)));
    }
    return new Snapshot(peers, room.getLong(VERSION));
  }
}
