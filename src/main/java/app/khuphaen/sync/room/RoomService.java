package app.khuphaen.sync.room;

import app.khuphaen.sync.protocol.ErrorMessages;
import app.khuphaen.sync.model.DocumentState;
import app.khuphaen.sync.model.RoomRecord;
import app.khuphaen.sync.model.Errors;
import app.khuphaen.sync.cluster.Membership;
import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.protocol.Identifiers;
import app.khuphaen.sync.model.PeerInfo;
import app.khuphaen.sync.protocol.ServerMessages;
import app.khuphaen.sync.room.RoomRefusal.Reason;
import app.khuphaen.sync.store.DocumentWriter;
import app.khuphaen.sync.store.RevisionInfo;
import app.khuphaen.sync.store.RoomStore;
import app.khuphaen.sync.store.StoreHealth;
import app.khuphaen.sync.store.StoredDocument;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.shareddata.SharedData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The rooms of this server: creation, presence, joining and leaving, relaying, documents, host
 * authority and the idle sweep. Thread-safe; one instance per node, shared by every event loop.
 * Membership changes of a room run under the room's shared-data lock, so presence and the
 * peer_joined / peer_left events that announce it stay in the same order everywhere.
 */
public final class RoomService {
  private static final Logger log = LoggerFactory.getLogger(RoomService.class);
  private static final long LOCK_TIMEOUT_MS = 10_000;
  private static final int CODE_ATTEMPTS = 20;

  private final Vertx vertx;
  private final Membership membership;
  private final SharedData sharedData;
  private final RoomRegistry registry;
  private final Presence presence;
  private final RoomStore store;
  private final StoreHealth storeHealth;
  private final DocumentWriter writer;
  private final Documents documents;
  private final RoomRoutes routes;
  private final NodeBus nodeBus;
  private final String nodeId;
  private final Settings.Limits limits;
  private final Settings.HostAuth hostAuth;
  private final AtomicLong connections = new AtomicLong();
  private final AtomicInteger subscriptions = new AtomicInteger();

  private RoomService(Vertx vertx, Membership membership, Settings settings, RoomRegistry registry, Presence presence,
                      RoomStore store, StoreHealth storeHealth, DocumentWriter writer, Documents documents,
                      RoomRoutes routes, NodeBus nodeBus) {
    this.vertx = vertx;
    this.membership = membership;
    this.nodeId = membership.nodeId();
    this.sharedData = vertx.sharedData();
    this.registry = registry;
    this.presence = presence;
    this.store = store;
    this.limits = settings.limits();
    this.hostAuth = settings.security().hostAuth();
    this.storeHealth = storeHealth;
    this.writer = writer;
    this.documents = documents;
    this.routes = routes;
    this.nodeBus = nodeBus;
  }

  /** Builds the service and brings back the rooms the store kept, each counting as empty from now. */
  public static Future<RoomService> start(Vertx vertx, Membership membership, Settings settings, RoomStore store) {
    vertx.eventBus().unregisterDefaultCodec(RoomEvent.class);
    vertx.eventBus().registerDefaultCodec(RoomEvent.class, new RoomEventCodec());
    Future<AsyncMap<String, JsonObject>> rooms = vertx.sharedData().getAsyncMap("kp.rooms");
    Future<AsyncMap<String, JsonObject>> peers = vertx.sharedData().getAsyncMap("kp.presence");
    StoreHealth storeHealth = new StoreHealth();
    DocumentWriter writer = new DocumentWriter(vertx, store, storeHealth);
    RoomRoutes routes = new RoomRoutes();
    // this node's addresses are registered before it serves anyone (see NodeBus)
    Future<Documents> documents = Documents.start(vertx, store, writer, membership.nodeId(), membership::nodes,
        settings.limits().documentMemoryBytes());
    Future<NodeBus> nodeBus = NodeBus.start(vertx, membership.nodeId(), routes);
    membership.ownAddresses(List.of(NodeBus.eventAddress(membership.nodeId()), Documents.address(membership.nodeId())));
    return Future.all(rooms, peers, documents, nodeBus)
        .map(v -> new RoomService(vertx, membership, settings, new RoomRegistry(rooms.result()),
            new Presence(peers.result()), store, storeHealth, writer, documents.result(), routes, nodeBus.result()))
        .compose(service -> service.restoreRooms().map(service))
        .onSuccess(service -> membership.onNodeLeft(service::removeNode));
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

  /** The fan-out of one event loop's sockets. */
  public LocalFanout newFanout() {
    return new LocalFanout(vertx, documents, subscriptions);
  }

  /** A connection id unique across the cluster, for presence. */
  public String newConnectionId() {
    return nodeId + "/" + connections.incrementAndGet();
  }

  // ---- REST ----

  /** @param hostKey the new room's key; null on a "restored" answer, which never reveals it */
  public record Created(RoomRecord room, boolean restored, String hostKey) {}

  /**
   * Creates a room, or answers the existing one when {@code desiredCode} names it (with HOST_AUTH
   * required, only for the holder of its host key).
   *
   * @param desiredCode a valid, normalized code, or null for a generated one
   * @param desiredHostId a valid host id, or null for a generated one
   * @param hostKey the key offered to restore an existing room, or null
   */
  public Future<Created> create(String desiredCode, String desiredHostId, String hostKey) {
    Future<RoomRecord> existing = desiredCode == null ? Future.succeededFuture() : registry.get(desiredCode);
    return existing.compose(room -> room != null
        ? restored(room, hostKey) // an existing room does not count against MAX_ROOMS
        : registry.count().compose(count -> count >= limits.maxRooms()
            ? Future.failedFuture(new RoomRefusal(Reason.ROOM_LIMIT))
            : create(desiredCode, desiredHostId, hostKey, CODE_ATTEMPTS)));
  }

  /** The front end's "restore": with HOST_AUTH required, only for the holder of the room's key. */
  private Future<Created> restored(RoomRecord room, String hostKey) {
    if (hostAuth == Settings.HostAuth.REQUIRED && !HostKeys.matches(room, hostKey)) {
      return Future.failedFuture(new RoomRefusal(Reason.HOST_KEY_REQUIRED));
    }
    return Future.succeededFuture(new Created(room, true, null));
  }

  private Future<Created> create(String desiredCode, String desiredHostId, String offeredKey, int attemptsLeft) {
    String code = desiredCode != null ? desiredCode : Identifiers.generateRoomCode();
    String hostId = desiredHostId != null ? desiredHostId : Identifiers.generateHostId();
    String hostKey = HostKeys.generate();
    Instant now = Instant.now();
    RoomRecord room = new RoomRecord(code, UUID.randomUUID().toString(), hostId, now, now, HostKeys.hash(hostKey));
    return registry.putIfAbsent(room).compose(existing -> {
      if (existing == null) {
        return store.saveRoom(room)
            .onSuccess(v -> log.info("room={} created host={}", code, hostId))
            .map(new Created(room, false, hostKey))
            .recover(err -> {
              storeHealth.failed("room creation", err);
              return registry.remove(code).transform(ar -> Future.failedFuture(new RoomRefusal(Reason.STORAGE_UNAVAILABLE, err)));
            });
      }
      if (desiredCode != null) {
        return restored(existing, offeredKey); // created meanwhile, e.g. on another node
      }
      return attemptsLeft > 1
          ? create(null, desiredHostId, offeredKey, attemptsLeft - 1)
          : Future.failedFuture(new IllegalStateException("no free room code after " + CODE_ATTEMPTS + " attempts"));
    });
  }

  public record RoomView(RoomRecord room, List<PeerInfo> peers) {}

  public Future<RoomView> describe(String code) {
    return existing(code).compose(room -> presence.peers(code).map(peers -> new RoomView(room, peers)));
  }

  public Future<Integer> roomCount() {
    return registry.count();
  }

  /** Deletes the room, its documents and its presence; its peers hear "Room deleted" and are out. */
  public Future<Void> delete(String code, String hostKey) {
    return withRoomLock(code, () -> authorized(code, hostKey).compose(room -> presence.nodes(code)).compose(nodes -> {
      documents.forget(code);
      return Future.all(registry.remove(code), presence.clear(code), store.deleteRoom(code))
          .onSuccess(v -> {
            byte[] frame = ServerMessages.error(ErrorMessages.ROOM_DELETED).getBytes(StandardCharsets.UTF_8);
            nodeBus.publish(RoomEvent.closing(code, frame), nodes);
            log.info("room={} deleted by its host", code);
          })
          .mapEmpty();
    }));
  }

  /** Makes a kept revision the room's latest document again (a new revision), relayed to its peers. */
  public Future<StoredDocument> restoreRevision(String code, long revision, String hostKey) {
    return authorized(code, hostKey)
        .compose(room -> store.revision(code, revision).compose(doc -> {
          if (doc == null) {
            return Future.succeededFuture(null);
          }
          syncDocument(code, room.hostId(), doc.document());
          log.info("room={} revision {} restored by its host", code, revision);
          return writer.idle().map(doc);
        }));
  }

  private Future<RoomRecord> authorized(String code, String hostKey) {
    return existing(code).compose(room -> HostKeys.matches(room, hostKey)
        ? Future.succeededFuture(room)
        : Future.failedFuture(new RoomRefusal(Reason.INVALID_HOST_KEY)));
  }

  // ---- membership ----

  /**
   * What a joiner learns, in the order it must be told; {@code host} is whether it may act as the
   * room's host (with HOST_AUTH off, whoever says so; with it required, only the holder of the key).
   * {@code version} is the membership version its peer list reflects (its own join included) and
   * {@code document} carries the stamp of the document it is given: events not newer than these are
   * already known to the joiner.
   */
  public record Joined(RoomRecord room, List<PeerInfo> peers, long version, DocumentState document, boolean host) {}

  /**
   * Joins {@code member} to the room. While still holding the room's lock this calls
   * {@code onJoined} (which must write the joiner's answers) and announces peer_joined, so no other
   * membership change of the room can come between. When this node had no peers in the room, the
   * other nodes of the room get peer_joined first and must confirm it (it carries the room's nodes, so
   * they now route its frames here) before the joiner is answered: from its {@code connected} on, it
   * misses nothing sent anywhere in the cluster.
   */
  public Future<Joined> join(String code, PeerInfo peer, String hostKey, String connectionId, LocalFanout fanout,
                             RoomMember member, Consumer<Joined> onJoined) {
    return withRoomLock(code, () -> existing(code).compose(room -> {
      boolean keyRequired = hostAuth == Settings.HostAuth.REQUIRED;
      boolean hasKey = HostKeys.matches(room, hostKey);
      boolean host = peer.isHost() && (!keyRequired || hasKey);
      // with keys required, the host's peer id is the host's too: nobody else may appear as it
      boolean impostor = keyRequired && peer.id().equals(room.hostId()) && !hasKey;
      if ((peer.isHost() && !host) || impostor) {
        return Future.failedFuture(new RoomRefusal(Reason.INVALID_HOST_KEY));
      }
      return presence.peers(code).compose(current -> {
        boolean newcomer = current.stream().noneMatch(p -> p.id().equals(peer.id()));
        if (newcomer && current.size() >= limits.maxPeersPerRoom()) {
          return Future.failedFuture(new RoomRefusal(Reason.ROOM_FULL));
        }
        return presence.add(code, peer, connectionId);
      })
          .compose(snapshot -> {
            if (room.emptySince() == null) {
              return Future.succeededFuture(snapshot);
            }
            persistQuietly(room.withEmptySince(null));
            return registry.put(room.withEmptySince(null)).map(snapshot);
          })
          .compose(snapshot -> {
            routes.retain(code, snapshot.version(), snapshot.nodes());
            documents.retain(code);
            return fanout.add(code, member).map(snapshot);
          })
          .compose(snapshot -> documents.get(code).compose(doc -> {
            Joined joined = new Joined(room, snapshot.peers(), snapshot.version(), doc, host);
            RoomEvent peerJoined = membershipEvent(code, ServerMessages.peerJoined(peer), snapshot.version(), snapshot.nodes());
            if (!snapshot.nodeIsNew()) {
              onJoined.accept(joined);
              nodeBus.publish(peerJoined, snapshot.nodes());
              return Future.succeededFuture(joined);
            }
            return nodeBus.deliverConfirmed(peerJoined, snapshot.nodes()).map(v -> {
              onJoined.accept(joined);
              nodeBus.deliverLocally(peerJoined);
              return joined;
            });
          }))
          .onSuccess(joined -> log.info("room={} peer={} joined (host={}, {} peers)", code, peer.id(), host, joined.peers().size()))
          .onFailure(err -> {
            if (fanout.remove(code, member)) {
              releaseLocal(code);
              presence.remove(code, peer.id(), connectionId);
            }
          });
    }));
  }

  /**
   * Removes one socket of a peer; the room hears peer_left when it was the peer's last socket. On a
   * node that is separated from its cluster, presence is left alone until it is back: its view is
   * stale, and a membership change made from it (with a version the cluster has used for something
   * else meanwhile) could keep the others' routes from ever reaching this node again. The others
   * have removed its peers themselves, if they dropped it.
   */
  public Future<Void> leave(String code, String peerId, String connectionId, LocalFanout fanout, RoomMember member) {
    if (fanout.remove(code, member)) {
      releaseLocal(code);
    }
    return membership.reunited().compose(v -> withRoomLock(code, () -> presence.remove(code, peerId, connectionId).compose(removal -> {
      if (removal.peerGone()) {
        nodeBus.publish(membershipEvent(code, ServerMessages.peerLeft(peerId), removal.version(), removal.nodes()), removal.nodes());
        log.info("room={} peer={} left", code, peerId);
      }
      return removal.roomEmpty() ? markEmpty(code) : Future.succeededFuture();
    })));
  }

  /** The room was deleted: this socket is out of it (presence went with the room). Its own event loop only. */
  public void evicted(String code, LocalFanout fanout, RoomMember member) {
    if (fanout.remove(code, member)) {
      releaseLocal(code);
    }
  }

  /** One local member fewer in the room. */
  private void releaseLocal(String code) {
    documents.release(code);
    routes.release(code);
  }

  /** The room's last peer left: its idle clock starts. Caller holds the room's lock. */
  private Future<Void> markEmpty(String code) {
    return registry.get(code).compose(room -> {
      if (room == null || room.emptySince() != null) {
        return Future.succeededFuture();
      }
      RoomRecord empty = room.withEmptySince(Instant.now());
      persistQuietly(empty);
      return registry.put(empty);
    });
  }

  // ---- relaying ----

  public void broadcast(String code, String from, String data) {
    relay(RoomEvent.data(code, from, ServerMessages.dataUtf8(from, data)));
  }

  /** Relays the room's new document, then stores it (write-behind); relayed and stored order agree. */
  public void syncDocument(String code, String from, String document) {
    byte[] frame = ServerMessages.documentSyncUtf8(document);
    documents.replace(code, document, from, stamp ->
        relay(RoomEvent.document(code, from, frame, document, stamp)));
  }

  /** The room's latest document, or null when it has none. */
  public Future<String> document(String code) {
    return documents.get(code).map(DocumentState::document);
  }

  private static RoomEvent membershipEvent(String code, String frame, long version, List<String> nodes) {
    return RoomEvent.membership(code, frame.getBytes(StandardCharsets.UTF_8), version, nodes);
  }

  /**
   * To every node with peers in the room: from a socket in it, along this node's route; from elsewhere
   * (REST), to the nodes presence lists.
   */
  private void relay(RoomEvent event) {
    if (routes.nodes(event.room()) != null) {
      nodeBus.publish(event);
    } else {
      presence.nodes(event.room()).onSuccess(nodes -> nodeBus.publish(event, nodes))
          .onFailure(err -> log.warn("room={} relay failed: {}", event.room(), err.toString()));
    }
  }

  // ---- stored documents (REST, for backups and recovery) ----

  public Future<StoredDocument> storedDocument(String code) {
    return existing(code).compose(room -> store.loadDocument(code));
  }

  public Future<List<RevisionInfo>> revisions(String code) {
    return existing(code).compose(room -> store.revisions(code));
  }

  public Future<StoredDocument> revision(String code, long revision) {
    return existing(code).compose(room -> store.revision(code, revision));
  }

  private Future<RoomRecord> existing(String code) {
    return registry.get(code).compose(room -> room == null
        ? Future.failedFuture(new RoomRefusal(Reason.ROOM_NOT_FOUND))
        : Future.succeededFuture(room));
  }

  // ---- health and shutdown ----

  /** What this node holds, for /health: nothing here may grow once its peers are gone. */
  public record NodeStats(int subscriptions, int documentsInMemory, int queuedWrites) {}

  public NodeStats stats() {
    return new NodeStats(subscriptions.get(), documents.inMemory(), writer.queued());
  }

  /**
   * Whether this node may take WebSockets: not while it is cut off from the cluster it belonged to
   * (a joiner there would miss what the others send until the node is back).
   */
  public boolean acceptsPeers() {
    return !membership.separated();
  }

  /** Null when rooms and the store are fine, else why not. */
  public Future<String> problem() {
    if (!acceptsPeers()) {
      return Future.succeededFuture("this cluster node is rejoining the cluster");
    }
    return store.ping()
        .map(v -> storeHealth.problem())
        .recover(err -> Future.succeededFuture("store unreachable: " + Errors.rootMessage(err)));
  }

  /** Waits (at most {@code timeoutMs}) for queued documents to reach the store. */
  public Future<Void> flush(long timeoutMs) {
    Promise<Void> done = Promise.promise();
    long timer = vertx.setTimer(timeoutMs, id -> done.tryFail(writer.queued() + " document(s) could not be stored before shutdown"));
    writer.idle().onComplete(ar -> {
      vertx.cancelTimer(timer);
      done.tryComplete();
    });
    return done.future();
  }

  /** Room metadata changes that need not hold anything up: a failure shows in /health. */
  private void persistQuietly(RoomRecord room) {
    store.saveRoom(room).onComplete(ar -> {
      if (ar.succeeded()) {
        storeHealth.succeeded();
      } else {
        storeHealth.failed("room update", ar.cause());
      }
    });
  }

  // ---- nodes that leave ----

  /**
   * Another node left the cluster (stopped or died): its sockets are gone, so its peers leave presence
   * and the rooms hear peer_left. Every surviving node runs this; under each room's lock only the first
   * finds anything to remove, so each peer_left goes out once.
   */
  private void removeNode(String deadNode) {
    routes.dropNode(deadNode);
    if (membership.separated()) {
      log.info("node {} left while this node was cut off: the others clean up after it", deadNode);
      return;
    }
    presence.roomsWithNode(deadNode).onSuccess(codes -> codes.forEach(code ->
        withRoomLock(code, () -> presence.removeNode(code, deadNode).compose(removal -> {
          removal.peersGone().forEach(peer -> {
            nodeBus.publish(membershipEvent(code, ServerMessages.peerLeft(peer), removal.version(), removal.nodes()), removal.nodes());
            log.info("room={} peer={} left (its node {} is gone)", code, peer, deadNode);
          });
          return removal.peersGone().isEmpty() || !removal.roomEmpty() ? Future.succeededFuture() : markEmpty(code);
        })).onFailure(err -> log.warn("room={} cleanup after node {} left failed: {}", code, deadNode, err.toString()))))
        .onFailure(err -> log.warn("cleanup after node {} left failed: {}", deadNode, err.toString()));
  }

  // ---- idle sweep ----

  /** Removes every room empty for at least {@code idleSeconds}; answers how many went. */
  public Future<Integer> sweep(long idleSeconds) {
    if (membership.separated()) {
      return Future.succeededFuture(0); // this node's view of the rooms may be stale
    }
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
      documents.forget(code);
      return Future.all(registry.remove(code), presence.clear(code), store.deleteRoom(code))
          .onSuccess(v -> log.info("room={} removed after {} s empty", code, idleSeconds))
          .map(true);
    }));
  }

  /**
   * Runs {@code action} holding the room's lock. Hazelcast's locks belong to a thread, and Vert.x takes
   * them on its worker threads: two requests of this node that meet on one worker would both get the
   * lock. So each node first lets one of its own requests at a time ask for the cluster's lock.
   */
  private <T> Future<T> withRoomLock(String code, Supplier<Future<T>> action) {
    return sharedData.withLocalLock("kp.node-lock." + code, LOCK_TIMEOUT_MS,
        () -> sharedData.withLock("kp.lock." + code, LOCK_TIMEOUT_MS, action));
  }
}
