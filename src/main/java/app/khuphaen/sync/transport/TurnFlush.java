package app.khuphaen.sync.transport;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;

import java.util.ArrayList;

/**
 * The sockets an event loop wrote to during one turn, flushed together when the turn's I/O is done:
 * one {@code write} system call (and TCP segment) per socket per turn however many frames went to it,
 * for the cost of one task per event loop per turn. Every frame flushed on its own costs a system
 * call, nearly all of a relay's cost; and a fan-out writes to receivers that are not reading, so the
 * flush cannot wait for a read of theirs to end. (Netty's {@code FlushConsolidationHandler} does the
 * same per socket, scheduling a task for each socket written to: one task object per delivery.)
 *
 * <p>One per thread; in the server that is one per event loop. Test channels of their own executors
 * may share a thread: each executor then gets the task too, and whichever runs first flushes all.
 */
final class TurnFlush implements Runnable {
  private static final FastThreadLocal<TurnFlush> OF_THREAD = new FastThreadLocal<>() {
    @Override
    protected TurnFlush initialValue() {
      return new TurnFlush();
    }
  };

  private ArrayList<OutgoingQueue> dirty = new ArrayList<>();
  private ArrayList<OutgoingQueue> flushing = new ArrayList<>();
  private EventExecutor scheduledOn; // null while no flush is scheduled

  private TurnFlush() {}

  /** {@code queue}, written to on {@code loop} (the current thread), is flushed at the turn's end. */
  static void later(OutgoingQueue queue, EventExecutor loop) {
    OF_THREAD.get().add(queue, loop);
  }

  private void add(OutgoingQueue queue, EventExecutor loop) {
    dirty.add(queue);
    if (scheduledOn != loop) {
      scheduledOn = loop;
      loop.execute(this);
    }
  }

  @Override
  public void run() {
    scheduledOn = null;
    ArrayList<OutgoingQueue> batch = dirty; // a flush may write again: that goes to the next batch
    dirty = flushing;
    flushing = batch;
    for (int i = 0; i < batch.size(); i++) {
      batch.get(i).flushNow();
    }
    batch.clear();
  }
}
