package app.khuphaen.sync.protocol;

import app.khuphaen.sync.model.PeerInfo;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** Encoders for every server-to-client message (their error strings are {@link ErrorMessages}). */
public final class ServerMessages {

  private static final String PONG = new JsonObject().put("type", "pong").encode();
  private static final JsonFactory JSON = new JsonFactory();

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

  /** {@link #documentSync} as UTF-8, for relaying: see {@link #utf8}. */
  public static byte[] documentSyncUtf8(String document) {
    return utf8("document_sync", "document", document, null, null);
  }

  /** A relayed {@code data} message, as UTF-8: see {@link #utf8}. */
  public static byte[] dataUtf8(String from, String data) {
    return utf8("data", "from", from, "data", data);
  }

  /**
   * {@code {"type":type,key1:value1[,key2:value2]}} written straight to UTF-8 bytes. Going through a
   * String first would copy a 2 MB document twice more (the String, then its bytes), and with a heap
   * sized for a small container those copies are what drives garbage collection.
   */
  private static byte[] utf8(String type, String key1, String value1, String key2, String value2) {
    ByteArrayBuilder out = new ByteArrayBuilder(64 + value1.length() + (value2 == null ? 0 : value2.length()));
    try (JsonGenerator json = JSON.createGenerator(out)) {
      json.writeStartObject();
      json.writeStringField("type", type);
      json.writeStringField(key1, value1);
      if (key2 != null) {
        json.writeStringField(key2, value2);
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // an in-memory builder does not fail
    }
    return out.toByteArray();
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
