package app.khuphaen.sync.session;

import app.khuphaen.sync.room.RoomEvent;
import app.khuphaen.sync.transport.SharedFrame;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Room events that reach a socket while its join is being answered: held, and handled right after
 * the joiner's own answers (or dropped if the join fails), so nothing comes between those answers.
 * Its connection's event loop only.
 */
final class HeldEvents {
  private record Held(RoomEvent event, SharedFrame frame) {}

  private final List<Held> held = new ArrayList<>();

  /** Keeps the event with its shared frame. */
  void hold(RoomEvent event, SharedFrame frame) {
    held.add(new Held(event, frame.retain()));
  }

  /** Hands every held event, in arrival order, to {@code handler}, which takes ownership of its frame. */
  void replay(BiConsumer<RoomEvent, SharedFrame> handler) {
    held.forEach(h -> handler.accept(h.event(), h.frame()));
    held.clear();
  }

  void drop() {
    held.forEach(h -> h.frame().release());
    held.clear();
  }
}
