package app.khuphaen.sync.protocol;

/** What a client can send over the WebSocket, one record per {@code action}. */
public sealed interface ClientMessage {

  /**
   * {@code metadata} is any JSON value already decoded (JsonObject, JsonArray, String, Number,
   * Boolean) or null — null too when it held more values than MAX_METADATA_BYTES, which
   * {@code metadataTooLarge} says; {@code hostKey} is the room's host key, or null (needed with
   * HOST_AUTH=required).
   */
  record Join(String roomCode, String peerId, boolean isHost, Object metadata, boolean metadataTooLarge,
              String hostKey) implements ClientMessage {}

  record Broadcast(String data) implements ClientMessage {}

  record SyncDocument(String document) implements ClientMessage {}

  record RequestSync() implements ClientMessage {}

  record Leave() implements ClientMessage {}

  record Ping() implements ClientMessage {}
}
