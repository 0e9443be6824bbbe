package app.khuphaen.sync.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import app.khuphaen.sync.model.JsonString;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns one text frame's UTF-8 bytes into a {@link ClientMessage}; unknown fields are ignored. Reads
 * the frame as a stream and keeps only the fields of the protocol: whatever else a message holds is
 * skipped without building anything, so a message of a million keys or empty arrays costs no memory.
 * A {@code data} or {@code document} string is not decoded: the parser checks it and notes where it
 * starts, and the message keeps its escaped bytes ({@link JsonString}), to be relayed as they came. Values decode as
 * Vert.x's {@code new JsonObject(String)} would decode them. Refused while reading: nesting deeper
 * than MAX_NESTING_DEPTH (before any recursion can exhaust the event loop's stack), and a join's
 * {@code metadata} of more values than MAX_METADATA_BYTES (each takes at least a byte), whose tree is
 * never built. Thread-safe.
 */
public final class ClientMessageParser {
  private static final Set<String> FIELDS =
      Set.of("action", "room_code", "peer_id", "is_host", "metadata", "host_key", "data", "document");
  /** The value of a protocol field that is an object or array where a scalar belongs: never read. */
  private static final Object STRUCTURE = new Object();
  /** Metadata past its budget: skipped, then refused. */
  private static final Object TOO_LARGE = new Object();
  /** The fields relayed as they came. */
  private static final Set<String> RELAYED = Set.of("data", "document");

  /** Where a relayed field's string value starts: the offset of its opening quote in the frame. */
  private record Unread(int openingQuote) {}

  private final int maxNestingDepth;
  private final int maxMetadataValues;
  private final JsonFactory factory;

  public ClientMessageParser(int maxNestingDepth, int maxMetadataBytes) {
    this.maxNestingDepth = maxNestingDepth;
    this.maxMetadataValues = maxMetadataBytes;
    this.factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxNestingDepth).build())
        .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS) // as Vert.x's own decoder
        .build();
  }

  /**
   * Parses a frame's bytes, which must be valid UTF-8 ({@link Utf8}); a relayed value keeps sharing
   * the array, which must not change afterwards.
   */
  public ClientMessage parse(byte[] frame) throws InvalidMessageException {
    Map<String, Object> json;
    try (JsonParser parser = factory.createParser(frame)) {
      json = fields(parser);
    } catch (StreamConstraintsException e) {
      throw new InvalidMessageException("nested deeper than " + maxNestingDepth + " levels");
    } catch (IOException e) {
      throw new InvalidMessageException("not a JSON object");
    }
    if (json == null) {
      throw new InvalidMessageException("not a JSON object");
    }
    Object action = json.get("action");
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
          json.get("metadata") == TOO_LARGE ? null : json.get("metadata"),
          json.get("metadata") == TOO_LARGE,
          optionalString(json, "host_key"));
      case "broadcast" -> new ClientMessage.Broadcast(relayedString(json, "data", frame));
      case "sync_document" -> new ClientMessage.SyncDocument(relayedString(json, "document", frame));
      case "request_sync" -> new ClientMessage.RequestSync();
      case "leave" -> new ClientMessage.Leave();
      case "ping" -> new ClientMessage.Ping();
      default -> throw new InvalidMessageException("unknown action '" + abbreviate(name) + "'");
    };
  }

  /** The protocol's fields of the frame's object (the last of duplicates), or null if it is not one. */
  private Map<String, Object> fields(JsonParser parser) throws IOException {
    JsonToken first = parser.nextToken();
    Map<String, Object> fields = null;
    if (first == JsonToken.START_OBJECT) {
      fields = new HashMap<>();
      for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
        JsonToken token = parser.nextToken();
        if (!FIELDS.contains(name)) {
          parser.skipChildren();
        } else if (name.equals("metadata")) {
          int[] budget = {maxMetadataValues};
          Object metadata = value(parser, budget);
          fields.put(name, metadata instanceof Map<?, ?> map ? new JsonObject(cast(map))
              : metadata instanceof List<?> list ? new JsonArray(list) : metadata);
        } else if (token.isStructStart()) {
          parser.skipChildren();
          fields.put(name, STRUCTURE);
        } else if (token == JsonToken.VALUE_STRING && RELAYED.contains(name)) {
          fields.put(name, new Unread((int) parser.currentTokenLocation().getByteOffset())); // skipped, still checked
        } else {
          fields.put(name, scalar(parser));
        }
      }
    } else if (first != null) {
      parser.skipChildren(); // read to its end all the same: nesting and syntax are checked throughout
    }
    if (first == null || parser.nextToken() != null) {
      throw new IOException("not a single JSON value");
    }
    return fields;
  }

  /** A value built as Vert.x builds it, of at most {@code budget[0]} values in all; past it, TOO_LARGE. */
  private static Object value(JsonParser parser, int[] budget) throws IOException {
    if (--budget[0] < 0) {
      parser.skipChildren();
      return TOO_LARGE;
    }
    JsonToken token = parser.currentToken();
    if (token == JsonToken.START_OBJECT) {
      Map<String, Object> object = new LinkedHashMap<>();
      for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
        parser.nextToken();
        Object member = value(parser, budget);
        if (member == TOO_LARGE) {
          skipRest(parser);
          return TOO_LARGE;
        }
        object.put(name, member);
      }
      return object;
    }
    if (token == JsonToken.START_ARRAY) {
      List<Object> array = new ArrayList<>();
      while (parser.nextToken() != JsonToken.END_ARRAY) {
        Object element = value(parser, budget);
        if (element == TOO_LARGE) {
          skipRest(parser);
          return TOO_LARGE;
        }
        array.add(element);
      }
      return array;
    }
    return scalar(parser);
  }

  /** Skips to the end of the object or array the parser is inside. */
  private static void skipRest(JsonParser parser) throws IOException {
    int depth = 1;
    while (depth > 0) {
      JsonToken token = parser.nextToken();
      if (token == null) {
        throw new IOException("unexpected end");
      }
      if (token.isStructStart()) {
        depth++;
      } else if (token.isStructEnd()) {
        depth--;
      }
    }
  }

  private static Object scalar(JsonParser parser) throws IOException {
    return switch (parser.currentToken()) {
      case VALUE_STRING -> parser.getText();
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> parser.getNumberValue();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NULL -> null;
      default -> throw new IOException("unexpected token");
    };
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Map<?, ?> map) {
    return (Map<String, Object>) map;
  }

  private static String requiredString(Map<String, Object> json, String field) throws InvalidMessageException {
    Object value = json.get(field);
    if (value == null) {
      throw new InvalidMessageException("missing field '" + field + "'");
    }
    if (!(value instanceof String s)) {
      throw new InvalidMessageException("field '" + field + "' must be a string");
    }
    return s;
  }

  private static JsonString relayedString(Map<String, Object> json, String field, byte[] frame)
      throws InvalidMessageException {
    Object value = json.get(field);
    if (value == null) {
      throw new InvalidMessageException("missing field '" + field + "'");
    }
    if (!(value instanceof Unread unread)) {
      throw new InvalidMessageException("field '" + field + "' must be a string");
    }
    return JsonString.at(frame, unread.openingQuote());
  }

  private static String optionalString(Map<String, Object> json, String field) throws InvalidMessageException {
    Object value = json.get(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s)) {
      throw new InvalidMessageException("field '" + field + "' must be a string");
    }
    return s;
  }

  private static boolean optionalBoolean(Map<String, Object> json, String field) throws InvalidMessageException {
    Object value = json.get(field);
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
