package app.khuphaen.sync.protocol;

import app.khuphaen.sync.model.PeerInfo;
import app.khuphaen.sync.model.JsonString;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Encoders for every server-to-client message (their error strings are {@link ErrorMessages}). */
public final class ServerMessages {

  private static final String PONG = new JsonObject().put("type", "pong").encode();
  private static final byte[] DOCUMENT_SYNC_PREFIX =
      "{\"type\":\"document_sync\",\"document\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] QUOTE_BRACE = "\"}".getBytes(StandardCharsets.US_ASCII);

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

  /** A {@code document_sync} as UTF-8, the document's escaped bytes as they came. */
  public static byte[] documentSync(JsonString document) {
    return around(DOCUMENT_SYNC_PREFIX, document, QUOTE_BRACE);
  }

  /** The document of a frame {@link #documentSync} built (or a node that received one passed on). */
  public static JsonString documentOf(byte[] documentSyncFrame) {
    return JsonString.at(documentSyncFrame, DOCUMENT_SYNC_PREFIX.length - 1);
  }

  /** A relayed {@code data} message as UTF-8, the data's escaped bytes as they came. */
  public static byte[] data(String from, JsonString data) {
    byte[] prefix = ("{\"type\":\"data\",\"from\":\"" + new String(JsonStringEncoder.getInstance().quoteAsString(from))
        + "\",\"data\":\"").getBytes(StandardCharsets.UTF_8);
    return around(prefix, data, QUOTE_BRACE);
  }

  /** {@code prefix}, the value's escaped bytes, {@code suffix}: one array, one copy of the value. */
  private static byte[] around(byte[] prefix, JsonString value, byte[] suffix) {
    byte[] frame = new byte[prefix.length + value.escapedLength() + suffix.length];
    System.arraycopy(prefix, 0, frame, 0, prefix.length);
    value.copyTo(frame, prefix.length);
    System.arraycopy(suffix, 0, frame, prefix.length + value.escapedLength(), suffix.length);
    return frame;
  }

  public static String error(String message) {
    return type("error").put("message", message).encode();
  }

  public static String invalidFormat(String reason) {
    return error(ErrorMessages.INVALID_FORMAT_PREFIX + reason);
  }

  public static String pong() {
    return PONG;
  }

  private static JsonObject type(String type) {
    return new JsonObject().put("type", type);
  }
}
