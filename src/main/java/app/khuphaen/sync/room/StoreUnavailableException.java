package app.khuphaen.sync.room;

/** The store did not take a change that must be durable before it is acknowledged. */
public final class StoreUnavailableException extends RuntimeException {
  public StoreUnavailableException(Throwable cause) {
    super("Storage unavailable", cause);
  }
}
