package app.khuphaen.sync.protocol;

import app.khuphaen.sync.model.JsonString;
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
    /** Whether {@code peerId} has the protocol's form (else the message is invalid). */
    public boolean hasValidPeerId() {
      return Identifiers.isValidPeerId(peerId);
    }

    /** Whether the metadata is over {@code maxMetadataBytes} once encoded. */
    public boolean metadataOver(int maxMetadataBytes) {
      return metadataTooLarge || metadata != null
          && Json.encode(metadata).getBytes(StandardCharsets.UTF_8).length > maxMetadataBytes;
    }
  }

  /** {@code data} as it came, escaped. */
  record Broadcast(JsonString data) implements ClientMessage {}

  /** {@code document} as it came, escaped. */
  record SyncDocument(JsonString document) implements ClientMessage {}

  record RequestSync() implements ClientMessage {}

  record Leave() implements ClientMessage {}

  record Ping() implements ClientMessage {}
}
