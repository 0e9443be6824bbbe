package app.khuphaen.sync.room;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Stamps documents so every node agrees which of two syncs is the newer: milliseconds since the
 * epoch in the high bits, a counter for syncs within one millisecond, and a per-node tag in the
 * lowest 8 bits to break ties. Stamps only grow, and never fall behind a stamp this node has seen,
 * so nodes, their clients and the store all converge on the document with the highest stamp.
 */
final class DocumentClock {
  private static final long TAG_BITS = 8;
  private static final long STEP = 1L << TAG_BITS;

  private final long tag = ThreadLocalRandom.current().nextLong(STEP);
  private long last; // without the tag

  synchronized long next() {
    last = Math.max(System.currentTimeMillis() << 16, last + STEP);
    return last | tag;
  }

  synchronized void observe(long stamp) {
    last = Math.max(last, stamp & ~(STEP - 1));
  }
}
