package app.khuphaen.sync.room;

import static net.logstash.logback.argument.StructuredArguments.kv;

import app.khuphaen.sync.cluster.Membership;
import app.khuphaen.sync.metrics.ServerMetrics;
import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.model.DocumentState;
import app.khuphaen.sync.model.Errors;
import app.khuphaen.sync.model.JsonString;
import app.khuphaen.sync.model.Reservation;
import app.khuphaen.sync.model.PeerInfo;
import app.khuphaen.sync.model.RoomRecord;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The rooms of this node, as the HTTP and session layers see them: one entry point over the parts
 * that do the work — {@link RoomDirectory} (the rooms themselves), {@link RoomMembers} (who is in
 * them), {@link Relay} (their frames), {@link Documents} (their latest documents) and
 * {@link RoomSweep} (the idle sweep). Builds them, and answers for the node's health. Thread-safe;
 * one instance per node, shared by every event loop.
 */
public final class RoomService {
  private static final Logger log = LoggerFactory.getLogger(RoomService.class);
  /** @param hostKey the new room's key; null on a "restored" answer, which never reveals it */
  public record Created(RoomRecord room, boolean restored, String hostKey) {}

  public record RoomView(RoomRecord room, List<PeerInfo> peers) {}

  /**
   * What a joiner learns, in the order it must be told; {@code host} is whether it may act as the
   * room's host (with HOST_AUTH off, whoever says so; with it required, only the holder of the key).
   * {@code version} is the membership version its peer list reflects (its own join included) and
   * {@code document} carries the stamp of the document it is given: events not newer than these are
   * already known to the joiner.
   */
  public record Joined(RoomRecord room, List<PeerInfo> peers, long version, DocumentState document, boolean host,
                       Seat seat) {}

  /** What this node holds, for /health: nothing here may grow once its peers are gone. */
  public record NodeStats(int subscriptions, int documentsInMemory, int queuedWrites) {}

  private final Vertx vertx;
  private final Membership membership;
  private final RoomStore store;
  private final StoreHealth storeHealth;
  private final DocumentWriter writer;
  private final Documents documents;
  private final RoomDirectory directory;
  private final RoomMembers members;
  private final Relay relay;
  private final RoomSweep sweep;
  private final RoomOverview overview;
  private final ServerMetrics metrics;
  private final AtomicLong connections = new AtomicLong();
  private final LocalRooms localRooms = new LocalRooms();

  private RoomService(Vertx vertx, Membership membership, Settings settings, RoomStore store, StoreHealth storeHealth,
                      DocumentWriter writer, Documents documents, RoomRegistry registry, Presence presence,
                      RoomRoutes routes, NodeBus nodeBus, ServerMetrics metrics) {
    this.vertx = vertx;
    this.membership = membership;
    this.metrics = metrics;
    this.store = store;
    this.storeHealth = storeHealth;
    this.writer = writer;
    this.documents = documents;
    RoomLocks locks = new RoomLocks(vertx.sharedData());
    this.relay = new Relay(documents, routes, presence, nodeBus);
    this.directory = new RoomDirectory(registry, presence, store, storeHealth, writer, documents, nodeBus, locks, relay, settings);
    this.members = new RoomMembers(directory, presence, routes, documents, nodeBus, relay, locks, membership, settings);
    this.sweep = new RoomSweep(registry, directory, locks, membership);
    this.overview = new RoomOverview(registry, presence, store);
    metrics.gauge("kp.rooms.active", "rooms with at least one peer on this node", localRooms::rooms);
    metrics.gauge("kp.cluster.members", "nodes in the cluster (1 when not clustered)", () -> membership.nodes().size());
  }

  /** Builds the service and brings back the rooms the store kept, each counting as empty from now. */
  public static Future<RoomService> start(Vertx vertx, Membership membership, Settings settings, RoomStore store,
                                         ServerMetrics metrics) {
    RoomEventCodec.register(vertx.eventBus());
    Future<AsyncMap<String, JsonObject>> rooms = vertx.sharedData().getAsyncMap("kp.rooms");
    Future<AsyncMap<String, JsonObject>> peers = vertx.sharedData().getAsyncMap("kp.presence");
    StoreHealth storeHealth = new StoreHealth(metrics);
    DocumentWriter writer = new DocumentWriter(vertx, store, storeHealth, metrics,
        Duration.ofMillis(settings.documentWriteIntervalMs()), settings.quotas().roomWriteBytesPerSecond(),
        settings.quotas().clientWriteBytesPerSecond());
    RoomRoutes routes = new RoomRoutes();
    // this node's addresses are registered before it serves anyone (see NodeBus)
    Future<Documents> documents = Documents.start(vertx, store, writer, membership.nodeId(), membership::nodes,
        settings.limits().documentMemoryBytes());
    Future<NodeBus> nodeBus = NodeBus.start(vertx, membership.nodeId(), routes);
    membership.ownAddresses(List.of(NodeBus.eventAddress(membership.nodeId()), Documents.address(membership.nodeId())));
    return Future.all(rooms, peers, documents, nodeBus)
        .map(v -> new RoomService(vertx, membership, settings, store, storeHealth, writer, documents.result(),
            new RoomRegistry(rooms.result()), new Presence(peers.result()), routes, nodeBus.result(), metrics))
        .compose(service -> service.directory.restoreFromStore().map(service))
        .onSuccess(service -> membership.onNodeLeft(service.members::removeNode));
  }

  /** The fan-out of one event loop's sockets. */
  public LocalFanout newFanout() {
    return new LocalFanout(vertx, documents, localRooms);
  }

  /** A connection id unique across the cluster, for presence. */
  public String newConnectionId() {
    return membership.nodeId() + "/" + connections.incrementAndGet();
  }

  // ---- the rooms themselves (REST) ----

  /**
   * Creates a room, or answers the existing one when {@code desiredCode} names it (with HOST_AUTH
   * required, only for the holder of its host key).
   *
   * @param desiredCode a valid, normalized code, or null for a generated one
   * @param desiredHostId a valid host id, or null for a generated one
   * @param hostKey the key offered to restore an existing room, or null
   * @param client the address that asks (MAX_ROOMS_PER_IP)
   */
  public Future<Created> create(String desiredCode, String desiredHostId, String hostKey, String client) {
    return directory.create(desiredCode, desiredHostId, hostKey, client);
  }

  public Future<RoomView> describe(String code) {
    return directory.describe(code);
  }

  public Future<Integer> roomCount() {
    return directory.count();
  }

  /** Deletes the room, its documents and its presence; its peers hear "Room deleted" and are out. */
  public Future<Void> delete(String code, String hostKey) {
    return directory.delete(code, hostKey);
  }

  /** Makes a kept revision the room's latest document again (a new revision), relayed to its peers. */
  public Future<StoredDocument> restoreRevision(String code, long revision, String hostKey, String client) {
    return directory.restoreRevision(code, revision, hostKey, ClientKey.of(client));
  }

  /** The stored documents are the host's: each read takes the room's host key. */
  public Future<StoredDocument> storedDocument(String code, String hostKey) {
    return directory.storedDocument(code, hostKey);
  }

  public Future<List<RevisionInfo>> revisions(String code, String hostKey) {
    return directory.revisions(code, hostKey);
  }

  public Future<StoredDocument> revision(String code, long revision, String hostKey) {
    return directory.revision(code, revision, hostKey);
  }

  /** See {@link RoomSweep#sweep}. */
  public Future<Integer> sweep(long idleSeconds, long unusedSeconds) {
    return sweep.sweep(idleSeconds, unusedSeconds);
  }

  // ---- who is in them (sessions) ----

  /**
   * See {@link RoomMembers#join}: {@code onJoined} writes the joiner's answers under the room's lock;
   * the {@link Seat} it gets is how the socket leaves again.
   */
  public Future<Joined> join(String code, PeerInfo peer, String hostKey, Connection connection, LocalFanout fanout,
                             RoomMember member, Consumer<Joined> onJoined) {
    return members.join(code, peer, hostKey, connection, fanout, member, onJoined);
  }

  // ---- their frames ----

  public void broadcast(String code, String from, JsonString data) {
    relay.broadcast(code, from, data);
  }

  /**
   * Relays the room's new document, then stores it (write-behind); relayed and stored order agree.
   * {@code clientKey} is the sender's {@link ClientKey}, whose write rate the store's writes count against.
   */
  public void syncDocument(String code, String from, String clientKey, JsonString document, Reservation held) {
    relay.syncDocument(code, from, clientKey, document, held);
  }

  /** The room's latest document, or null when it has none. */
  public Future<JsonString> document(String code) {
    return relay.document(code);
  }

  // ---- the operator's view (admin API): the whole cluster's, from any node ----

  /** Every room with its peers, their sockets and its newest stored document, most recently active first. */
  public Future<List<RoomOverview.Room>> overview() {
    return overview.rooms();
  }

  /** One room's overview, or a ROOM_NOT_FOUND refusal. */
  public Future<RoomOverview.Room> overview(String code) {
    return overview.room(code).compose(room -> room == null
        ? Future.failedFuture(new RoomRefusal(RoomRefusal.Reason.ROOM_NOT_FOUND))
        : Future.succeededFuture(room));
  }

  /** Deletes the room as its host's DELETE does, without a host key. */
  public Future<Void> deleteByOperator(String code) {
    return directory.deleteByOperator(code);
  }

  /**
   * Closes every socket of the peer in the room, on whichever node (an error, then close 4001); the
   * others hear peer_left. Answers false when the room has no such peer.
   */
  public Future<Boolean> disconnect(String code, String peerId, String reason) {
    return directory.existing(code)
        .compose(room -> overview.hasPeer(code, peerId))
        .onSuccess(present -> {
          if (present) {
            relay.disconnect(code, peerId, reason);
            log.info("{} {} disconnected by the operator", kv("room", code), kv("peer", peerId));
          }
        });
  }

  // ---- health, metrics and shutdown ----

  public NodeStats stats() {
    return new NodeStats(localRooms.subscriptions(), documents.inMemory(), writer.queued());
  }

  /** This node's meters (kp_*), for the sockets to count what they receive, write and refuse. */
  public ServerMetrics metrics() {
    return metrics;
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
}
