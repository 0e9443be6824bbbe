package app.khuphaen.sync.room;

import app.khuphaen.sync.transport.SharedFrame;
import app.khuphaen.sync.transport.WireFrames;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The sockets of one event loop, grouped by room. For each room with local members it consumes the
 * room's local event-bus address ({@link NodeBus}) once and hands each event to the members it is
 * for, on this event loop, all writing from one shared copy of the frame.
 * Not thread-safe: only used from its own event loop.
 */
public final class LocalFanout {
  private final Vertx vertx;
  private final Documents documents;
  private final LocalRooms localRooms;
  private final Map<String, Group> groups = new HashMap<>();

  /** One room's members on this event loop, and the consumer of the room's address (null if none). */
  static final class Group {
    final MessageConsumer<RoomEvent> consumer;
    private final List<RoomMember> members = new ArrayList<>();
    /** A copy of members for dispatching (delivering may close a socket, which removes it). */
    private RoomMember[] snapshot = new RoomMember[0];

    Group(MessageConsumer<RoomEvent> consumer) {
      this.consumer = consumer;
    }

    void add(RoomMember member) {
      members.add(member);
      snapshot = members.toArray(new RoomMember[0]);
    }

    /** Answers whether it was there. */
    boolean remove(RoomMember member) {
      boolean removed = members.remove(member);
      snapshot = members.toArray(new RoomMember[0]);
      return removed;
    }

    boolean isEmpty() {
      return members.isEmpty();
    }
  }

  LocalFanout(Vertx vertx, Documents documents, LocalRooms localRooms) {
    this.vertx = vertx;
    this.documents = documents;
    this.localRooms = localRooms;
  }

  /** Adds a member; completes once this event loop receives the room's events. */
  Future<Void> add(String code, RoomMember member) {
    Group group = groups.get(code);
    if (group == null) {
      Group created = new Group(vertx.eventBus().localConsumer(NodeBus.roomAddress(code)));
      created.consumer.handler(msg -> dispatch(code, created, msg.body()));
      groups.put(code, created);
      localRooms.subscribed(code);
      group = created;
    }
    group.add(member);
    return group.consumer.completion();
  }

  /** Removes a member; answers whether it was there. */
  boolean remove(String code, RoomMember member) {
    Group group = groups.get(code);
    if (group == null || !group.remove(member)) {
      return false;
    }
    if (group.isEmpty()) {
      groups.remove(code);
      group.consumer.unregister();
      localRooms.unsubscribed(code);
    }
    return true;
  }

  /**
   * Builds the complete WebSocket frame once, in one direct buffer that every local member writes a
   * duplicate of (and compresses it once, if members negotiated per-message deflate).
   */
  void dispatch(String code, Group group, RoomEvent event) {
    if (event instanceof RoomEvent.Document document) {
      documents.offer(code, document.document(), document.stamp());
    }
    SharedFrame frame = new SharedFrame(WireFrames.text(event.frame()));
    try {
      for (RoomMember member : group.snapshot) {
        member.onEvent(event, frame);
      }
    } finally {
      frame.release();
    }
  }
}
