package app.khuphaen.sync.transport;

/**
 * One socket's part of the {@link BufferBudget}: what it has charged for bytes waiting to go out and
 * for an incoming message still arriving (past {@link #INBOUND_SLACK}). Updated on the socket's event
 * loop; the budget reads it from any thread to choose whom to shed.
 */
final class BudgetShare {
  /** Incoming bytes of an unfinished message that are not charged to the budget. */
  static final int INBOUND_SLACK = 64 * 1024;

  private final BufferBudget budget;
  private final Runnable onShed;
  private long chargedOutgoing;
  private long incomingBytes; // of the message still arriving
  private long chargedIncoming;
  private volatile long outgoing; // chargedOutgoing, for the budget's choice
  private volatile long held; // chargedOutgoing + chargedIncoming
  private volatile boolean shed;

  /** @param onShed runs, on any thread, when the budget chooses this socket to close */
  BudgetShare(BufferBudget budget, Runnable onShed) {
    this.budget = budget;
    this.onShed = onShed;
  }

  long budgetLimit() {
    return budget.limit();
  }

  long outgoingCharged() {
    return chargedOutgoing;
  }

  /** What waits to go out is now {@code bytes}. */
  void outgoing(long bytes) {
    if (bytes != chargedOutgoing) {
      long delta = bytes - chargedOutgoing;
      chargedOutgoing = bytes;
      outgoing = bytes;
      charge(delta);
    }
  }

  /** {@code bytes} more of a message arrived. */
  void received(int bytes) {
    incomingBytes += bytes;
    if (incomingBytes > INBOUND_SLACK) {
      long delta = incomingBytes - chargedIncoming;
      chargedIncoming = incomingBytes;
      charge(delta);
    }
  }

  /** A whole message arrived (or the connection went): what was charged for it is free again. */
  void messageComplete() {
    incomingBytes = 0;
    if (chargedIncoming != 0) {
      long delta = -chargedIncoming;
      chargedIncoming = 0;
      charge(delta);
    }
  }

  private void charge(long delta) {
    long total = chargedOutgoing + chargedIncoming;
    held = total;
    if (total == 0) {
      budget.release(this, -delta);
    } else {
      budget.adjust(this, delta);
    }
  }

  /** Charged outgoing bytes (any thread). */
  long outgoingBytes() {
    return outgoing;
  }

  /** Everything charged (any thread). */
  long heldBytes() {
    return held;
  }

  boolean isShed() {
    return shed;
  }

  /** The budget closes this socket to free what it holds; from any thread. False if it was already. */
  boolean shed() {
    if (shed) {
      return false;
    }
    shed = true;
    onShed.run();
    return true;
  }
}
