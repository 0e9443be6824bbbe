package app.khuphaen.sync.protocol;

/**
 * Every message a client can read when something is refused — a WebSocket {@code error}'s
 * {@code message}, a REST answer's {@code error}, a close frame's reason — in one place. The front end
 * matches some of them exactly ("Room not found"), and docs/protocol.md lists them all (a test keeps
 * the two in step). The identifier rules' messages are with the rules ({@link Identifiers}).
 */
public final class ErrorMessages {
  private ErrorMessages() {}

  // rooms (WebSocket and REST)
  public static final String ROOM_NOT_FOUND = "Room not found";
  public static final String ROOM_FULL = "Room is full";
  public static final String ROOM_LIMIT = "Room limit reached";
  public static final String INVALID_HOST_KEY = "Invalid host key";
  public static final String HOST_KEY_REQUIRED = "Room exists: its host_key is required to restore it";
  public static final String HOST_ONLY = "Only the host may sync the document";
  public static final String STORAGE_UNAVAILABLE = "Storage unavailable";
  public static final String ROOMS_PER_ADDRESS = "Too many rooms from your address";
  public static final String STORAGE_FULL = "Storage full";
  /** A join while the client's address waits out its misses (REST answers 429 TOO_MANY_REQUESTS). */
  public static final String TOO_MANY_MISSES = "Too many unknown room codes: try again later";
  public static final String ROOM_DELETED = "Room deleted";
  public static final String INTERNAL_ERROR = "Internal server error";

  // WebSocket
  public static final String NOT_IN_A_ROOM = "Not in a room";
  public static final String INVALID_FORMAT_PREFIX = "Invalid message format: ";
  public static final String BINARY_NOT_SUPPORTED = "binary frames are not supported";
  public static final String RATE_LIMITED = "Rate limit exceeded";
  public static final String TOO_MANY_CONNECTIONS = "Too many connections from your address";

  // REST
  public static final String NOT_FOUND = "Not found";
  public static final String METHOD_NOT_ALLOWED = "Method not allowed";
  public static final String BAD_REQUEST = "Bad request";
  public static final String TRANSFER_CODING_NOT_SUPPORTED = "Transfer coding not supported";
  public static final String BODY_TOO_LARGE = "Request body too large";
  public static final String TOO_MANY_REQUESTS = "Too many requests";
  public static final String NO_DOCUMENT = "No document";
  public static final String NO_SUCH_REVISION = "No such revision";
  public static final String INVALID_REVISION = "Invalid revision: expected a whole number";
  public static final String PEER_NOT_FOUND = "Peer not found";
  public static final String UNAUTHORIZED = "Unauthorized";

  // close reasons (the code says what happened; the reason is for people reading logs and tools)
  public static final String RECEIVER_TOO_SLOW = "Receiver too slow";
  public static final String IDLE_TIMEOUT = "Idle timeout";
  public static final String MESSAGE_TIMEOUT = "Message not completed in time";
  public static final String SHUTTING_DOWN = "Server shutting down";
  public static final String NODE_REJOINING = "Cluster node rejoining";
  public static final String INVALID_UTF8 = "Invalid UTF-8";
  /** Sent as an error message, then as the close reason (4001). */
  public static final String DISCONNECTED_BY_OPERATOR = "Disconnected by the operator";

  public static String messageTooLarge(int limit) {
    return "Message too large: at most " + limit + " bytes";
  }

  public static String dataTooLarge(int limit) {
    return "Data too large: at most " + limit + " bytes";
  }

  public static String metadataTooLarge(int limit) {
    return "Metadata too large: at most " + limit + " bytes";
  }
}
