package app.khuphaen.sync.room;

import static net.logstash.logback.argument.StructuredArguments.kv;

import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.model.JsonString;
import app.khuphaen.sync.model.Reservation;
import app.khuphaen.sync.model.RoomRecord;
import app.khuphaen.sync.protocol.ErrorMessages;
import app.khuphaen.sync.protocol.Identifiers;
import app.khuphaen.sync.protocol.ServerMessages;
import app.khuphaen.sync.room.RoomRefusal.Reason;
import app.khuphaen.sync.store.DocumentWriter;
import app.khuphaen.sync.store.RevisionInfo;
import app.khuphaen.sync.store.RoomStore;
import app.khuphaen.sync.store.StoreHealth;
import app.khuphaen.sync.store.StoredDocument;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The rooms themselves, as the registry and the store keep them: creating (and the front end's
 * "restore"), describing, deleting, a room's idle clock, its stored revisions, and the one way a
 * room is removed (by its host or by the sweep).
 */
final class RoomDirectory {
  private static final Logger log = LoggerFactory.getLogger(RoomDirectory.class);
  private static final int CODE_ATTEMPTS = 20;

  private final RoomRegistry registry;
  private final Presence presence;
  private final RoomStore store;
  private final StoreHealth storeHealth;
  private final DocumentWriter writer;
  private final Documents documents;
  private final NodeBus nodeBus;
  private final RoomLocks locks;
  private final Relay relay;
  private final int maxRooms;
  private final int maxRoomsPerClient;
  private final boolean keyRequired;

  RoomDirectory(RoomRegistry registry, Presence presence, RoomStore store, StoreHealth storeHealth, DocumentWriter writer,
                Documents documents, NodeBus nodeBus, RoomLocks locks, Relay relay, Settings settings) {
    this.registry = registry;
    this.presence = presence;
    this.store = store;
    this.storeHealth = storeHealth;
    this.writer = writer;
    this.documents = documents;
    this.nodeBus = nodeBus;
    this.locks = locks;
    this.relay = relay;
    this.maxRooms = settings.limits().maxRooms();
    this.maxRoomsPerClient = settings.quotas().maxRoomsPerIp();
    this.keyRequired = settings.security().hostAuth() == Settings.HostAuth.REQUIRED;
  }

  /** Brings back the rooms the store kept, each counting as empty from now. */
  Future<Void> restoreFromStore() {
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

  /**
   * Creates a room, or answers the existing one when {@code desiredCode} names it (with HOST_AUTH
   * required, only for the holder of its host key). A new room needs room in the store, in MAX_ROOMS
   * and in the MAX_ROOMS_PER_IP of {@code client} (checked on this node before creating, so
   * concurrent creations may overshoot by a few).
   */
  Future<RoomService.Created> create(String desiredCode, String desiredHostId, String hostKey, String client) {
    Future<RoomRecord> existing = desiredCode == null ? Future.succeededFuture() : registry.get(desiredCode);
    String creator = ClientKey.of(client);
    return existing.compose(room -> {
      if (room != null) {
        return restored(room, hostKey); // an existing room does not count against any limit
      }
      if (store.full()) {
        return Future.failedFuture(new RoomRefusal(Reason.STORAGE_FULL));
      }
      return registry.count().compose(count -> count >= maxRooms
          ? Future.failedFuture(new RoomRefusal(Reason.ROOM_LIMIT))
          : createdBy(creator).compose(mine -> mine >= maxRoomsPerClient
              ? Future.failedFuture(new RoomRefusal(Reason.ROOMS_PER_ADDRESS))
              : create(desiredCode, desiredHostId, hostKey, creator, CODE_ATTEMPTS)));
    });
  }

  /** The live rooms {@code creator} made, as the store counts them (so the count survives restarts). */
  private Future<Integer> createdBy(String creator) {
    return store.roomsCreatedBy(creator).recover(err -> {
      storeHealth.failed("room creation", err);
      return Future.failedFuture(new RoomRefusal(Reason.STORAGE_UNAVAILABLE, err));
    });
  }

  /** The front end's "restore": with HOST_AUTH required, only for the holder of the room's key. */
  private Future<RoomService.Created> restored(RoomRecord room, String hostKey) {
    if (keyRequired && !HostKeys.matches(room, hostKey)) {
      return Future.failedFuture(new RoomRefusal(Reason.HOST_KEY_REQUIRED));
    }
    return Future.succeededFuture(new RoomService.Created(room, true, null));
  }

  private Future<RoomService.Created> create(String desiredCode, String desiredHostId, String offeredKey, String creator,
                                            int attemptsLeft) {
    String code = desiredCode != null ? desiredCode : Identifiers.generateRoomCode();
    String hostId = desiredHostId != null ? desiredHostId : Identifiers.generateHostId();
    String hostKey = HostKeys.generate();
    Instant now = Instant.now();
    RoomRecord room = new RoomRecord(code, UUID.randomUUID().toString(), hostId, now, now, HostKeys.hash(hostKey),
        creator, false);
    return registry.putIfAbsent(room).compose(existing -> {
      if (existing == null) {
        return store.saveRoom(room)
            .onSuccess(v -> log.info("{} created host={}", kv("room", code), hostId))
            .map(new RoomService.Created(room, false, hostKey))
            .recover(err -> {
              storeHealth.failed("room creation", err);
              return registry.remove(code).transform(ar -> Future.failedFuture(new RoomRefusal(Reason.STORAGE_UNAVAILABLE, err)));
            });
      }
      if (desiredCode != null) {
        return restored(existing, offeredKey); // created meanwhile, e.g. on another node
      }
      return attemptsLeft > 1
          ? create(null, desiredHostId, offeredKey, creator, attemptsLeft - 1)
          : Future.failedFuture(new IllegalStateException("no free room code after " + CODE_ATTEMPTS + " attempts"));
    });
  }

  Future<RoomService.RoomView> describe(String code) {
    return existing(code).compose(room -> presence.peers(code).map(peers -> new RoomService.RoomView(room, peers)));
  }

  Future<Integer> count() {
    return registry.count();
  }

  /** Deletes the room, its documents and its presence; its peers hear "Room deleted" and are out. */
  Future<Void> delete(String code, String hostKey) {
    return delete(code, () -> authorized(code, hostKey), "its host");
  }

  /** {@link #delete} by the operator, who needs no host key. */
  Future<Void> deleteByOperator(String code) {
    return delete(code, () -> existing(code), "the operator");
  }

  private Future<Void> delete(String code, Supplier<Future<RoomRecord>> permitted, String by) {
    return locks.withRoomLock(code, () -> permitted.get().compose(room -> presence.nodes(code)).compose(nodes ->
        remove(code).onSuccess(v -> {
          byte[] frame = ServerMessages.error(ErrorMessages.ROOM_DELETED).getBytes(StandardCharsets.UTF_8);
          nodeBus.publish(RoomEvent.closing(code, frame), nodes);
          log.info("{} deleted by {}", kv("room", code), by);
        })));
  }

  /**
   * Makes a kept revision the room's latest document again (a new revision), relayed to its peers;
   * its write counts against {@code client}'s write rate.
   */
  Future<StoredDocument> restoreRevision(String code, long revision, String hostKey, String client) {
    return authorized(code, hostKey)
        .compose(room -> store.revision(code, revision).compose(doc -> {
          if (doc == null) {
            return Future.succeededFuture(null);
          }
          relay.syncDocument(code, room.hostId(), client, doc.document(), Reservation.NONE);
          log.info("{} revision {} restored by its host", kv("room", code), revision);
          return writer.idle().map(doc);
        }));
  }

  /** The stored documents are the host's: each read takes the room's host key, in every HOST_AUTH mode. */
  Future<StoredDocument> storedDocument(String code, String hostKey) {
    return authorized(code, hostKey).compose(room -> store.loadDocument(code));
  }

  Future<List<RevisionInfo>> revisions(String code, String hostKey) {
    return authorized(code, hostKey).compose(room -> store.revisions(code));
  }

  Future<StoredDocument> revision(String code, long revision, String hostKey) {
    return authorized(code, hostKey).compose(room -> store.revision(code, revision));
  }

  /** The room, or a ROOM_NOT_FOUND refusal. */
  Future<RoomRecord> existing(String code) {
    return registry.get(code).compose(room -> room == null
        ? Future.failedFuture(new RoomRefusal(Reason.ROOM_NOT_FOUND))
        : Future.succeededFuture(room));
  }

  /** The room's last peer left: its idle clock starts. Caller holds the room's lock. */
  Future<Void> markEmpty(String code) {
    return registry.get(code).compose(room -> {
      if (room == null || room.emptySince() != null) {
        return Future.succeededFuture();
      }
      RoomRecord empty = room.withEmptySince(Instant.now());
      persistQuietly(empty);
      return registry.put(empty);
    });
  }

  /** A peer is in the room: it is not idle, and it has been used. Caller holds the room's lock. */
  Future<Void> markOccupied(RoomRecord room) {
    if (room.emptySince() == null && room.used()) {
      return Future.succeededFuture();
    }
    persistQuietly(room.occupied());
    return registry.put(room.occupied());
  }

  /**
   * Removes the room with its documents and presence, everywhere. Caller holds the room's lock. The
   * store's delete starts first: once the room is seen gone, a shutdown waits for that delete.
   */
  Future<Void> remove(String code) {
    documents.forget(code);
    Future<Void> deleted = store.deleteRoom(code);
    return Future.all(deleted, registry.remove(code), presence.clear(code)).mapEmpty();
  }

  private Future<RoomRecord> authorized(String code, String hostKey) {
    return existing(code).compose(room -> HostKeys.matches(room, hostKey)
        ? Future.succeededFuture(room)
        : Future.failedFuture(new RoomRefusal(Reason.INVALID_HOST_KEY)));
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
}
