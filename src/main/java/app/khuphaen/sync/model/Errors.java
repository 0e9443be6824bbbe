package app.khuphaen.sync.model;

/** Turning exceptions into the one line a user or a log reader needs. */
public final class Errors {
  private Errors() {}

  /** The innermost cause's message: what the database, file system or parser actually said. */
  public static String rootMessage(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }
}
