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
 * Who is in each room: room code to {@code {peer_id: {"info": PeerInfo, "conns": [connection ids]}}},
 * in Vert.x shared data. A peer is listed once however many sockets it has joined from; it leaves
 * presence when its last socket does. Callers hold the room's lock for every change.
 */
final class Presence {
  private static final String INFO = "info";
  private static final String CONNS = "conns";

  private final AsyncMap<String, JsonObject> map;

  Presence(AsyncMap<String, JsonObject> map) {
    this.map = map;
  }

  Future<List<PeerInfo>> peers(String code) {
    return map.get(code).map(Presence::peersOf);
  }

  /** Adds a connection of {@code peer} (its newest PeerInfo wins); answers the peers afterwards. */
  Future<List<PeerInfo>> add(String code, PeerInfo peer, String connectionId) {
    return map.get(code).compose(current -> {
      JsonObject room = current == null ? new JsonObject() : current;
      JsonObject entry = room.getJsonObject(peer.id());
      JsonArray conns = entry == null ? new JsonArray() : entry.getJsonArray(CONNS);
      if (!conns.contains(connectionId)) {
        conns.add(connectionId);
      }
      room.put(peer.id(), new JsonObject().put(INFO, peer.toJson()).put(CONNS, conns));
      return map.put(code, room).map(v -> peersOf(room));
    });
  }

  /** What removing one connection changed. */
  record Removal(boolean peerGone, boolean roomEmpty) {}

  Future<Removal> remove(String code, String peerId, String connectionId) {
    return map.get(code).compose(room -> {
      if (room == null) {
        return Future.succeededFuture(new Removal(false, true));
      }
      JsonObject entry = room.getJsonObject(peerId);
      if (entry == null) {
        return Future.succeededFuture(new Removal(false, room.isEmpty()));
      }
      JsonArray conns = entry.getJsonArray(CONNS);
      conns.remove(connectionId);
      boolean peerGone = conns.isEmpty();
      if (peerGone) {
        room.remove(peerId);
      }
      Future<Void> write = room.isEmpty() ? map.remove(code).mapEmpty() : map.put(code, room);
      return write.map(v -> new Removal(peerGone, room.isEmpty()));
    });
  }

  /** The rooms where a connection of {@code nodeId} is listed. */
  Future<List<String>> roomsWithNode(String nodeId) {
    String prefix = nodeId + "/";
    return map.entries().map(entries -> entries.entrySet().stream()
        .filter(e -> e.getValue().stream().anyMatch(peer ->
            ((JsonObject) peer.getValue()).getJsonArray(CONNS).stream().anyMatch(c -> ((String) c).startsWith(prefix))))
        .map(Map.Entry::getKey)
        .toList());
  }

  /** What removing a dead node's connections from a room changed. */
  record NodeRemoval(List<String> peersGone, boolean roomEmpty) {}

  /** Removes every connection of {@code nodeId} (connection ids start with it) from the room. */
  Future<NodeRemoval> removeNode(String code, String nodeId) {
    String prefix = nodeId + "/";
    return map.get(code).compose(room -> {
      if (room == null) {
        return Future.succeededFuture(new NodeRemoval(List.of(), true));
      }
      List<String> gone = new ArrayList<>();
      for (String peerId : new ArrayList<>(room.fieldNames())) {
        JsonArray conns = room.getJsonObject(peerId).getJsonArray(CONNS);
        boolean touched = conns.getList().removeIf(c -> ((String) c).startsWith(prefix));
        if (touched && conns.isEmpty()) {
          room.remove(peerId);
          gone.add(peerId);
        }
      }
      Future<Void> write = room.isEmpty() ? map.remove(code).mapEmpty() : map.put(code, room);
      return write.map(v -> new NodeRemoval(gone, room.isEmpty()));
    });
  }

  Future<Void> clear(String code) {
    return map.remove(code).mapEmpty();
  }

  private static List<PeerInfo> peersOf(JsonObject room) {
    List<PeerInfo> peers = new ArrayList<>();
    if (room != null) {
      for (String id : room.fieldNames()) {
        peers.add(PeerInfo.fromJson(room.getJsonObject(id).getJsonObject(INFO)));
      }
    }
    return peers;
  }
}
