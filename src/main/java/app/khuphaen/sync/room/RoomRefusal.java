package app.khuphaen.sync.room;

import app.khuphaen.sync.metrics.ServerMetrics;
import app.khuphaen.sync.protocol.ErrorMessages;

/**
 * Why a room operation was refused, with its message ({@link ErrorMessages}) and HTTP status.
 * The WebSocket answers {@code {"type":"error","message":<message>}}, REST {@code {"success":false,"error":<message>}}.
 */
public final class RoomRefusal extends RuntimeException {

  public enum Reason {
    ROOM_NOT_FOUND(ErrorMessages.ROOM_NOT_FOUND, 404, ServerMetrics.Refusal.ROOM_NOT_FOUND),
    ROOM_FULL(ErrorMessages.ROOM_FULL, 409, ServerMetrics.Refusal.ROOM_FULL),
    ROOM_LIMIT(ErrorMessages.ROOM_LIMIT, 503, ServerMetrics.Refusal.ROOM_LIMIT),
    INVALID_HOST_KEY(ErrorMessages.INVALID_HOST_KEY, 401, ServerMetrics.Refusal.INVALID_HOST_KEY),
    HOST_KEY_REQUIRED(ErrorMessages.HOST_KEY_REQUIRED, 403, ServerMetrics.Refusal.INVALID_HOST_KEY),
    HOST_ONLY(ErrorMessages.HOST_ONLY, 403, ServerMetrics.Refusal.HOST_ONLY),
    STORAGE_UNAVAILABLE(ErrorMessages.STORAGE_UNAVAILABLE, 503, ServerMetrics.Refusal.STORAGE_UNAVAILABLE),
    ROOMS_PER_ADDRESS(ErrorMessages.ROOMS_PER_ADDRESS, 429, ServerMetrics.Refusal.ROOMS_PER_ADDRESS),
    STORAGE_FULL(ErrorMessages.STORAGE_FULL, 503, ServerMetrics.Refusal.STORAGE_FULL);

    public final String message;
    public final int httpStatus;
    /** Its label in kp_refusals_total. */
    public final ServerMetrics.Refusal metric;

    Reason(String message, int httpStatus, ServerMetrics.Refusal metric) {
      this.message = message;
      this.httpStatus = httpStatus;
      this.metric = metric;
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
