package app.khuphaen.sync.room;

import app.khuphaen.sync.protocol.Identifiers;
import app.khuphaen.sync.protocol.PeerInfo;
import app.khuphaen.sync.protocol.ServerMessages;
import app.khuphaen.sync.store.RoomStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.shareddata.SharedData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The rooms of this server: creation, presence, joining and leaving, relaying, documents and the
 * idle sweep. Thread-safe; one instance per node, shared by every event loop. Membership changes of
 * a room run under the room's shared-data lock, so presence and the peer_joined / peer_left events
 * that announce it stay in the same order everywhere.
 */
public final class RoomService {
  private static final Logger log = LoggerFactory.getLogger(RoomService.class);
  private static final long LOCK_TIMEOUT_MS = 10_000;
  private static final int CODE_ATTEMPTS = 20;

  private final Vertx vertx;
  private final SharedData sharedData;
  private final RoomRegistry registry;
  private final Presence presence;
  private final RoomStore store;
  /** The latest document of each room that has one, as relayed by this node. */
  private final Map<String, LatestDocument> documents = new ConcurrentHashMap<>();
  private final String nodeId = UUID.randomUUID().toString();
  private final AtomicLong connections = new AtomicLong();

  private RoomService(Vertx vertx, RoomRegistry registry, Presence presence, RoomStore store) {
    this.vertx = vertx;
    this.sharedData = vertx.sharedData();
    this.registry = registry;
    this.presence = presence;
    this.store = store;
  }

  /** Builds the service and brings back the rooms the store kept, each counting as empty from now. */
  public static Future<RoomService> start(Vertx vertx, RoomStore store) {
    vertx.eventBus().unregisterDefaultCodec(RoomEvent.class);
    vertx.eventBus().registerDefaultCodec(RoomEvent.class, new RoomEventCodec());
    Future<AsyncMap<String, JsonObject>> rooms = vertx.sharedData().getAsyncMap("kp.rooms");
    Future<AsyncMap<String, JsonObject>> peers = vertx.sharedData().getAsyncMap("kp.presence");
    return Future.all(rooms, peers)
        .map(v -> new RoomService(vertx, new RoomRegistry(rooms.result()), new Presence(peers.result()), store))
        .compose(service -> service.restoreRooms().map(service));
  }

  private Future<Void> restoreRooms() {
    Instant now = Instant.now();
    return store.loadRooms().compose(stored -> {
      List<Future<RoomRecord>> puts = stored.stream()
          .map(room -> registry.putIfAbsent(room.withEmptySince(now)))
          .toList();
      if (!stored.isEmpty()) {
        log.info("restored {} rooms from the store", stored.size());
      }
      return Future.all(puts).mapEmpty();
    });
  }

  /** A connection id unique across the cluster, for presence. */
  public String newConnectionId() {
    return nodeId + "/" + connections.incrementAndGet();
  }

  // ---- REST ----

  public record Created(RoomRecord room, boolean restored) {}

  /**
   * Creates a room, or answers the existing one when {@code desiredCode} names it.
   *
   * @param desiredCode a valid, normalized code, or null for a generated one
   * @param desiredHostId a valid host id, or null for a generated one
   */
  public Future<Created> create(String desiredCode, String desiredHostId) {
    return create(desiredCode, desiredHostId, CODE_ATTEMPTS);
  }

  private Future<Created> create(String desiredCode, String desiredHostId, int attemptsLeft) {
    String code = desiredCode != null ? desiredCode : Identifiers.generateRoomCode();
    String hostId = desiredHostId != null ? desiredHostId : Identifiers.generateHostId();
    Instant now = Instant.now();
    RoomRecord room = new RoomRecord(code, UUID.randomUUID().toString(), hostId, now, now);
    return registry.putIfAbsent(room).compose(existing -> {
      if (existing == null) {
        log.info("room={} created host={}", code, hostId);
        return store.saveRoom(room).map(new Created(room, false));
      }
      if (desiredCode != null) {
        return Future.succeededFuture(new Created(existing, true));
      }
      return attemptsLeft > 1
          ? create(null, desiredHostId, attemptsLeft - 1)
          : Future.failedFuture(new IllegalStateException("no free room code after " + CODE_ATTEMPTS + " attempts"));
    });
  }

  public record RoomView(RoomRecord room, List<PeerInfo> peers) {}

  public Future<RoomView> describe(String code) {
    return registry.get(code).compose(room -> room == null
        ? Future.failedFuture(new RoomNotFoundException())
        : presence.peers(code).map(peers -> new RoomView(room, peers)));
  }

  public Future<Integer> roomCount() {
    return registry.count();
  }

  // ---- membership ----

  /** What a joiner learns, in the order it must be told. */
  public record Joined(RoomRecord room, List<PeerInfo> peers, String document) {}

  /**
   * Joins {@code member} to the room. While still holding the room's lock this calls
   * {@code onJoined} (which must write the joiner's answers) and then announces peer_joined, so no
   * other membership change of the room can come between.
   */
  public Future<Joined> join(String code, PeerInfo peer, String connectionId, LocalFanout fanout,
                             RoomMember member, java.util.function.Consumer<Joined> onJoined) {
    return withRoomLock(code, () -> registry.get(code).compose(room -> {
      if (room == null) {
        return Future.failedFuture(new RoomNotFoundException());
      }
      return presence.add(code, peer, connectionId)
          .compose(peers -> room.emptySince() == null
              ? Future.succeededFuture(peers)
              : registry.put(room.withEmptySince(null)).map(peers))
          .compose(peers -> fanout.add(code, member).map(peers))
          .compose(peers -> document(code).map(doc -> new Joined(room, peers, doc)))
          .onSuccess(joined -> {
            onJoined.accept(joined);
            publish(code, null, ServerMessages.peerJoined(peer));
            log.info("room={} peer={} joined (host={}, {} peers)", code, peer.id(), peer.isHost(), joined.peers().size());
          })
          .onFailure(err -> fanout.remove(code, member));
    }));
  }

  /** Removes one socket of a peer; the room hears peer_left when it was the peer's last socket. */
  public Future<Void> leave(String code, String peerId, String connectionId, LocalFanout fanout, RoomMember member) {
    fanout.remove(code, member);
    return withRoomLock(code, () -> presence.remove(code, peerId, connectionId).compose(removal -> {
      if (removal.peerGone()) {
        publish(code, null, ServerMessages.peerLeft(peerId));
        log.info("room={} peer={} left", code, peerId);
      }
      if (!removal.roomEmpty()) {
        return Future.succeededFuture();
      }
      return registry.get(code).compose(room -> room == null || room.emptySince() != null
          ? Future.succeededFuture()
          : registry.put(room.withEmptySince(Instant.now())));
    }));
  }

  // ---- relaying ----

  public void broadcast(String code, String from, String data) {
    publish(code, from, ServerMessages.data(from, data));
  }

  /** Stores the room's document and relays it; per room, stored order and relayed order agree. */
  public void syncDocument(String code, String from, String document) {
    String frame = ServerMessages.documentSync(document);
    documents.computeIfAbsent(code, k -> new LatestDocument(null))
        .replace(document, () -> publish(code, from, frame));
    store.saveDocument(code, document, from)
        .onFailure(err -> log.warn("room={} document not stored: {}", code, err.getMessage()));
  }

  /** The room's latest document, or null when it has none. */
  public Future<String> document(String code) {
    LatestDocument cached = documents.get(code);
    if (cached != null) {
      return Future.succeededFuture(cached.get());
    }
    return store.loadDocument(code).onSuccess(doc -> {
      if (doc != null) {
        documents.putIfAbsent(code, new LatestDocument(doc));
      }
    });
  }

  private void publish(String code, String excludePeer, String frame) {
    vertx.eventBus().publish(LocalFanout.address(code), new RoomEvent(excludePeer, frame.getBytes(StandardCharsets.UTF_8)));
  }

  // ---- idle sweep ----

  /** Removes every room empty for at least {@code idleSeconds}; answers how many went. */
  public Future<Integer> sweep(long idleSeconds) {
    Instant now = Instant.now();
    return registry.all().compose(rooms -> {
      List<Future<Boolean>> removals = rooms.stream()
          .filter(room -> room.idleLongerThan(idleSeconds, now))
          .map(room -> removeIfIdle(room.code(), idleSeconds, now))
          .toList();
      return Future.all(removals).map(all -> (int) removals.stream().filter(Future::result).count());
    });
  }

  private Future<Boolean> removeIfIdle(String code, long idleSeconds, Instant now) {
    return withRoomLock(code, () -> registry.get(code).compose(room -> {
      if (room == null || !room.idleLongerThan(idleSeconds, now)) {
        return Future.succeededFuture(false); // gone already, or someone joined meanwhile
      }
      documents.remove(code);
      return Future.all(registry.remove(code), presence.clear(code), store.deleteRoom(code))
          .onSuccess(v -> log.info("room={} removed after {} s empty", code, idleSeconds))
          .map(true);
    }));
  }

  private <T> Future<T> withRoomLock(String code, Supplier<Future<T>> action) {
    return sharedData.withLock("kp.lock." + code, LOCK_TIMEOUT_MS, action);
  }
}
