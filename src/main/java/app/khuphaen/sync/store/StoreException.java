package app.khuphaen.sync.store;

/** The store cannot be opened or used; the message says which store and why. */
public final class StoreException extends RuntimeException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
