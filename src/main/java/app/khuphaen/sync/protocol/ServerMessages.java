package app.khuphaen.sync.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** Encoders for every server-to-client message, and the protocol's exact error strings. */
public final class ServerMessages {
  public static final String ROOM_NOT_FOUND = "Room not found";
  public static final String NOT_IN_A_ROOM = "Not in a room";
  public static final String INVALID_FORMAT_PREFIX = "Invalid message format: ";
  public static final String BINARY_NOT_SUPPORTED = "binary frames are not supported";
  public static final String ROOM_DELETED = "Room deleted";
  public static final String RATE_LIMITED = "Rate limit exceeded";
  public static final String TOO_MANY_CONNECTIONS = "Too many connections from your address";

  private static final String PONG = new JsonObject().put("type", "pong").encode();

  private ServerMessages() {}

  public static String roomInfo(String roomCode, String hostId, List<PeerInfo> peers) {
    JsonArray list = new JsonArray();
    peers.forEach(p -> list.add(p.toJson()));
    return type("room_info").put("room_code", roomCode).put("host_id", hostId).put("peers", list).encode();
  }

  public static String connected(String peerId, String roomCode) {
    return type("connected").put("peer_id", peerId).put("room_code", roomCode).encode();
  }

  public static String peerJoined(PeerInfo peer) {
    return type("peer_joined").put("peer", peer.toJson()).encode();
  }

  public static String peerLeft(String peerId) {
    return type("peer_left").put("peer_id", peerId).encode();
  }

  public static String documentSync(String document) {
    return type("document_sync").put("document", document).encode();
  }

  public static String data(String from, String data) {
    return type("data").put("from", from).put("data", data).encode();
  }

  public static String error(String message) {
    return type("error").put("message", message).encode();
  }

  public static String messageTooLarge(int limit) {
    return "Message too large: at most " + limit + " bytes";
  }

  public static String dataTooLarge(int limit) {
    return "Data too large: at most " + limit + " bytes";
  }

  public static String metadataTooLarge(int limit) {
    return "Metadata too large: at most " + limit + " bytes";
  }

  public static String invalidFormat(String reason) {
    return error(INVALID_FORMAT_PREFIX + reason);
  }

  public static String pong() {
    return PONG;
  }

  private static JsonObject type(String type) {
    return new JsonObject().put("type", type);
  }
}
