package app.khuphaen.sync.protocol;

/** A client frame the server cannot accept; the message becomes the reason in the error answer. */
public final class InvalidMessageException extends Exception {
  public InvalidMessageException(String reason) {
    super(reason, null, false, false);
  }
}
