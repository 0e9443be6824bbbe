package app.khuphaen.sync.model;

/**
 * Memory a message holds against the server's budget for incoming messages, from its first byte
 * until whoever keeps it last lets it go: a broadcast once it is relayed, a document once it is
 * stored or a newer one replaced it in the write-behind queue. While it is held, senders wait rather
 * than the server holding more than its budget. {@link #release} may be called more than once, from
 * any thread; only the first counts.
 */
@FunctionalInterface
public interface Reservation {
  /** Holds nothing (a document restored by the operator, a test's). */
  Reservation NONE = () -> {};

  void release();
}
