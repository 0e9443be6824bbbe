package app.khuphaen.sync.transport;

/**
 * One socket's part of the {@link BufferBudget}: what it has charged for bytes waiting to go out.
 * Updated on the socket's event loop; the budget reads it from any thread to choose whom to shed.
 */
final class BudgetShare {
  private final BufferBudget budget;
  private final Runnable onShed;
  private long chargedOutgoing;
  private volatile long outgoing; // chargedOutgoing, for the budget's choice
  private volatile boolean shed;

  /** @param onShed runs, on any thread, when the budget chooses this socket to close */
  BudgetShare(BufferBudget budget, Runnable onShed) {
    this.budget = budget;
    this.onShed = onShed;
  }

  long budgetLimit() {
    return budget.limit();
  }

  BufferBudget budget() {
    return budget;
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

  private void charge(long delta) {
    if (chargedOutgoing == 0) {
      budget.release(this, -delta);
    } else {
      budget.adjust(this, delta);
    }
  }

  /** What it has charged (any thread): what waits to go out. */
  long heldBytes() {
    return outgoing;
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
