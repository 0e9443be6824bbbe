package app.khuphaen.sync.room;

/**
 * Why a room operation was refused: the one place for these error strings and their HTTP statuses.
 * The WebSocket answers {@code {"type":"error","message":<message>}}, REST {@code {"success":false,"error":<message>}}.
 */
public final class RoomRefusal extends RuntimeException {

  public enum Reason {
    ROOM_NOT_FOUND("Room not found", 404),
    ROOM_FULL("Room is full", 409),
    ROOM_LIMIT("Room limit reached", 503),
    INVALID_HOST_KEY("Invalid host key", 401),
    HOST_KEY_REQUIRED("Room exists: its host_key is required to restore it", 403),
    HOST_ONLY("Only the host may sync the document", 403),
    STORAGE_UNAVAILABLE("Storage unavailable", 503);

    public final String message;
    public final int httpStatus;

    Reason(String message, int httpStatus) {
      this.message = message;
      this.httpStatus = httpStatus;
    }
  }

  public final Reason reason;

  public RoomRefusal(Reason reason) {
    this(reason, null);
  }

  public RoomRefusal(Reason reason, Throwable cause) {
    super(reason.message, cause, false, false);
    this.reason = reason;
  }

}
