package app.khuphaen.sync.protocol;

import io.vertx.core.json.Json;

import java.nio.charset.StandardCharsets;

/** What a client can send over the WebSocket, one record per {@code action}. */
public sealed interface ClientMessage {

  /**
   * {@code metadata} is any JSON value already decoded (JsonObject, JsonArray, String, Number,
   * Boolean) or null — null too when it held more values than MAX_METADATA_BYTES, which
   * {@code metadataTooLarge} says; {@code hostKey} is the room's host key, or null (needed with
   * HOST_AUTH=required).
   */
  record Join(String roomCode, String peerId, boolean isHost, Object metadata, boolean metadataTooLarge,
              String hostKey) implements ClientMessage {
    /**
     * The answer refusing this join before any room is asked, for what the client sent itself (its
     * peer id, its metadata, its room code's form), or null when it may go on.
     */
    public String refusal(int maxMetadataBytes) {
      if (!Identifiers.isValidPeerId(peerId)) {
        return ServerMessages.invalidFormat(Identifiers.INVALID_PEER_ID);
      }
      if (metadataTooLarge || metadata != null
          && Json.encode(metadata).getBytes(StandardCharsets.UTF_8).length > maxMetadataBytes) {
        return ServerMessages.error(ErrorMessages.metadataTooLarge(maxMetadataBytes));
      }
      if (!Identifiers.isValidRoomCode(roomCode)) {
        return ServerMessages.error(ErrorMessages.ROOM_NOT_FOUND);
      }
      return null;
    }
  }

  record Broadcast(String data) implements ClientMessage {}

  record SyncDocument(String document) implements ClientMessage {}

  record RequestSync() implements ClientMessage {}

  record Leave() implements ClientMessage {}

  record Ping() implements ClientMessage {}
}
