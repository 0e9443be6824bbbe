package app.khuphaen.sync.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;

import java.io.IOException;
import java.util.Map;

/**
 * Turns one text frame into a {@link ClientMessage}; unknown fields are ignored. Decodes as Vert.x's
 * {@code new JsonObject(String)} does, but refuses a frame nested deeper than MAX_NESTING_DEPTH while
 * reading it, before the decoder's recursion can exhaust the event loop's stack. Thread-safe.
 */
public final class ClientMessageParser {
  private final int maxNestingDepth;
  private final JsonFactory factory;

  public ClientMessageParser(int maxNestingDepth) {
    this.maxNestingDepth = maxNestingDepth;
    this.factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxNestingDepth).build())
        .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS) // as Vert.x's own decoder
        .build();
  }

  public ClientMessage parse(String frame) throws InvalidMessageException {
    JsonObject json;
    try {
      json = new JsonObject(JacksonCodec.fromParser(factory.createParser(frame), Map.class));
    } catch (DecodeException e) {
      if (e.getCause() instanceof StreamConstraintsException) {
        throw new InvalidMessageException("nested deeper than " + maxNestingDepth + " levels");
      }
      throw new InvalidMessageException("not a JSON object");
    } catch (IOException | ClassCastException e) {
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
