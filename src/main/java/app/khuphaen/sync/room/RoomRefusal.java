package app.khuphaen.sync.room;

import app.khuphaen.sync.protocol.ErrorMessages;

/**
 * Why a room operation was refused, with its message ({@link ErrorMessages}) and HTTP status.
 * The WebSocket answers {@code {"type":"error","message":<message>}}, REST {@code {"success":false,"error":<message>}}.
 */
public final class RoomRefusal extends RuntimeException {

  public enum Reason {
    ROOM_NOT_FOUND(ErrorMessages.ROOM_NOT_FOUND, 404),
    ROOM_FULL(ErrorMessages.ROOM_FULL, 409),
    ROOM_LIMIT(ErrorMessages.ROOM_LIMIT, 503),
    INVALID_HOST_KEY(ErrorMessages.INVALID_HOST_KEY, 401),
    HOST_KEY_REQUIRED(ErrorMessages.HOST_KEY_REQUIRED, 403),
    HOST_ONLY(ErrorMessages.HOST_ONLY, 403),
    STORAGE_UNAVAILABLE(ErrorMessages.STORAGE_UNAVAILABLE, 503);

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
