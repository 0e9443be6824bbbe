package app.khuphaen.sync.protocol;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/** Turns one text frame into a {@link ClientMessage}; unknown fields are ignored. */
public final class ClientMessageParser {
  private ClientMessageParser() {}

  public static ClientMessage parse(String frame) throws InvalidMessageException {
    JsonObject json;
    try {
      json = new JsonObject(frame);
    } catch (DecodeException | ClassCastException e) {
      throw new InvalidMessageException("not a JSON object");
    }
    Object action = json.getValue("action");
    if (action == null) {
      throw new InvalidMessageException("missing field 'action'");
    }
    if (!(action instanceof String name)) {
      throw new InvalidMessageException("field 'action' must be a string");
    }
    return switch (name) {
      case "join" -> new ClientMessage.Join(
          requiredString(json, "room_code"),
          requiredString(json, "peer_id"),
          optionalBoolean(json, "is_host"),
          json.getValue("metadata"),
          optionalString(json, "host_key"));
      case "broadcast" -> new ClientMessage.Broadcast(requiredString(json, "data"));
      case "sync_document" -> new ClientMessage.SyncDocument(requiredString(json, "document"));
      case "request_sync" -> new ClientMessage.RequestSync();
      case "leave" -> new ClientMessage.Leave();
      case "ping" -> new ClientMessage.Ping();
      default -> throw new InvalidMessageException("unknown action '" + abbreviate(name) + "'");
    };
  }

  private static String requiredString(JsonObject json, String field) throws InvalidMessageException {
    Object value = json.getValue(field);
    if (value == null) {
      throw new InvalidMessageException("missing field '" + field + "'");
    }
    if (!(value instanceof String s)) {
      throw new InvalidMessageException("field '" + field + "' must be a string");
    }
    return s;
  }

  private static String optionalString(JsonObject json, String field) throws InvalidMessageException {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s)) {
      throw new InvalidMessageException("field '" + field + "' must be a string");
    }
    return s;
  }

  private static boolean optionalBoolean(JsonObject json, String field) throws InvalidMessageException {
    Object value = json.getValue(field);
    if (value == null) {
      return false;
    }
    if (!(value instanceof Boolean b)) {
      throw new InvalidMessageException("field '" + field + "' must be a boolean");
    }
    return b;
  }

  /** Error answers echo at most a short, printable prefix of what the client sent. */
  private static String abbreviate(String s) {
    String clean = s.codePoints().limit(32)
        .map(c -> Character.isISOControl(c) ? '?' : c)
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
        .toString();
    return s.codePointCount(0, s.length()) > 32 ? clean + "…" : clean;
  }
}
