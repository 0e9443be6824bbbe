package app.khuphaen.sync.session;

import static net.logstash.logback.argument.StructuredArguments.kv;

import app.khuphaen.sync.metrics.ServerMetrics;
import app.khuphaen.sync.metrics.ServerMetrics.Action;
import app.khuphaen.sync.metrics.ServerMetrics.Frame;
import app.khuphaen.sync.protocol.ErrorMessages;
import app.khuphaen.sync.transport.PeerSocket;
import app.khuphaen.sync.transport.SharedFrame;
import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.protocol.ClientMessage;
import app.khuphaen.sync.protocol.CloseCodes;
import app.khuphaen.sync.protocol.ClientMessageParser;
import app.khuphaen.sync.protocol.Identifiers;
import app.khuphaen.sync.protocol.InvalidMessageException;
import app.khuphaen.sync.model.JsonString;
import app.khuphaen.sync.model.Reservation;
import app.khuphaen.sync.model.PeerInfo;
import app.khuphaen.sync.protocol.ServerMessages;
import app.khuphaen.sync.room.Connection;
import app.khuphaen.sync.room.ClientKey;
import app.khuphaen.sync.room.LocalFanout;
import app.khuphaen.sync.room.LookupMisses;
import app.khuphaen.sync.room.RoomEvent;
import app.khuphaen.sync.room.RoomMember;
import app.khuphaen.sync.room.RoomRefusal;
import app.khuphaen.sync.room.RoomService;
import app.khuphaen.sync.room.Seat;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.function.Supplier;

/**
 * One WebSocket connection: reads client messages in order, tracks which room it is in, and writes
 * what the room sends it. Runs entirely on the connection's event loop.
 *
 * <p>A join or leave waits for the room's lock; frames that arrive meanwhile queue behind it, so a
 * client's messages take effect in the order it sent them. Room events that reach a socket while its
 * join is being answered are held and written right after the joiner's own answers.
 *
 * <p>Defences: a token bucket on incoming messages (over it, an error; persistently over it, close
 * 1008); size limits on metadata and data; the socket's bounded outgoing queue (a receiver that falls
 * that far behind, or holds the most when the server's buffer budget is spent, is closed with 1013
 * rather than silently losing messages); and the time of the last sign of life, which the verticle's
 * heartbeat uses to close dead connections.
 */
public final class Session implements RoomMember, PeerSocket.Listener {
  private static final Logger log = LoggerFactory.getLogger(Session.class);
  private static final Future<Void> DONE = Future.succeededFuture();
  /** Joins refused while the address waits out its misses, after which the socket is closed (1008). */
  static final int MISS_WAITS_BEFORE_CLOSE = 3;
  /** request_sync in a room without a document answers an empty one. */
  private static final JsonString NO_DOCUMENT = JsonString.of("");

  private enum State { OUTSIDE, JOINING, JOINED, CLOSED }

  private final PeerSocket socket;
  private final RoomService rooms;
  private final LocalFanout fanout;
  private final Settings.Limits limits;
  private final ClientMessageParser parser;
  private final boolean hostAuthRequired;
  private final Connection connection;
  private final String connectionId;
  private final MessageRate rate;
  private final ServerMetrics metrics;
  private final LookupMisses misses;
  private final String clientAddress;
  /** The address as its quotas count it, worked out once: every sync_document's write counts against it. */
  private final String clientKey;
  private int missWaits;
  private final HeldEvents held = new HeldEvents();
  private final Promise<Void> closed = Promise.promise();
  private Future<Void> tail = DONE;
  private State state = State.OUTSIDE;
  private String roomCode;
  private Seat seat; // while joined
  private String peerId;
  private boolean host;
  private EventFilter known; // set once joined
  private boolean closing;
  private long lastSeenNanos = System.nanoTime();
  private Runnable onClosed = () -> {};

  /**
   * @param clientAddress the client's address, as presence shows it to the operator
   * @param misses the room codes each address named that name no room (joins are lookups too)
   */
  public Session(PeerSocket socket, RoomService rooms, LocalFanout fanout, ClientMessageParser parser, Settings settings,
                 String clientAddress, LookupMisses misses) {
    this.misses = misses;
    this.clientAddress = clientAddress;
    this.clientKey = ClientKey.of(clientAddress);
    this.parser = parser;
    this.socket = socket;
    this.rooms = rooms;
    this.fanout = fanout;
    this.limits = settings.limits();
    this.hostAuthRequired = settings.security().hostAuth() == Settings.HostAuth.REQUIRED;
    this.connectionId = rooms.newConnectionId();
    this.connection = new Connection(connectionId, clientAddress);
    this.rate = new MessageRate(limits);
    this.metrics = rooms.metrics();
  }

  /** Starts reading; {@code onClosed} runs once the socket is closed and the room left. */
  public void start(Runnable onClosed) {
    this.onClosed = onClosed;
    socket.listen(this);
  }

  /**
   * Parsed as it arrives, handled in turn. Its reservation is released once it is handled, except a
   * document's, which the write-behind queue releases once the document is stored (or replaced).
   */
  @Override
  public void onText(byte[] utf8, Reservation held) {
    if (!admit()) {
      held.release();
      return;
    }
    ClientMessage message;
    try {
      message = parser.parse(utf8);
    } catch (InvalidMessageException e) {
      held.release();
      enqueue(() -> invalid(e.getMessage()));
      return;
    }
    enqueue(() -> {
      try {
        return handle(message, held);
      } catch (RuntimeException e) {
        held.release();
        throw e;
      }
    });
  }

  @Override
  public void onBinary() {
    if (admit()) {
      metrics.received(Action.INVALID);
      send(Frame.ERROR, ServerMessages.invalidFormat(ErrorMessages.BINARY_NOT_SUPPORTED));
    }
  }

  @Override
  public void onSignOfLife() {
    lastSeenNanos = System.nanoTime();
  }

  @Override
  public void onTooSlow(String why) {
    log.info("{} {} closed: too slow a receiver, {}", kv("connection", connectionId), kv("peer", peerId), why);
    close(CloseCodes.TRY_AGAIN_LATER, ErrorMessages.RECEIVER_TOO_SLOW);
  }

  @Override
  public void onClosed() {
    enqueue(() -> leaveRoom().onComplete(ar -> {
      state = State.CLOSED;
      onClosed.run();
      closed.complete();
    }));
  }

  /** Completes once the socket is closed and has left its room. */
  public Future<Void> closed() {
    return closed.future();
  }

  /**
   * Closes the socket with the given WebSocket close code (e.g. 1001 when the server stops) and takes
   * the peer out of its room at once, without waiting for the client to answer the close (a slow or
   * dead client may never do so).
   */
  public void close(short code, String reason) {
    if (!closing) {
      closing = true;
      socket.close(code, reason);
      enqueue(this::leaveRoom);
    }
  }

  /**
   * Called every ping interval: closes the connection when it has shown no sign of life for the idle
   * timeout (a half-open TCP connection, a frozen client), otherwise pings it.
   */
  public void heartbeat() {
    if (System.nanoTime() - lastSeenNanos > limits.wsIdleTimeoutSeconds() * 1_000_000_000L) {
      log.info("{} {} closed: no sign of life for {} s", kv("connection", connectionId), kv("peer", peerId), limits.wsIdleTimeoutSeconds());
      close(CloseCodes.GOING_AWAY, ErrorMessages.IDLE_TIMEOUT);
    } else if (socket.isOpen()) {
      socket.ping();
    }
  }

  @Override
  public void onEvent(RoomEvent event, SharedFrame frame) {
    if (state == State.JOINING) {
      held.hold(event, frame); // sorted out once the join is answered
    } else if (state == State.JOINED) {
      handleEvent(event, frame.retain());
    }
  }

  /** Takes ownership of {@code frame}: sent when the client still needs it ({@link EventFilter}). */
  private void handleEvent(RoomEvent event, SharedFrame frame) {
    if (event instanceof RoomEvent.Closing) { // the room was deleted: the client is told so, and is out of it
      seat.evicted();
      seat = null;
      state = State.OUTSIDE;
      roomCode = null;
      send(Frame.ERROR, frame);
    } else if (event instanceof RoomEvent.Disconnect && known.wants(event)) { // the operator closes this peer
      send(Frame.ERROR, frame);
      close(CloseCodes.DISCONNECTED_BY_OPERATOR, ErrorMessages.DISCONNECTED_BY_OPERATOR);
    } else if (known.wants(event)) {
      send(frameType(event), frame);
    } else {
      frame.release();
    }
  }

  /**
   * Every incoming message is a sign of life and costs a token ({@link MessageRate}); without tokens
   * it is refused, and a client that keeps sending regardless is flooding: it is closed (1008).
   */
  private boolean admit() {
    long now = System.nanoTime();
    lastSeenNanos = now;
    switch (rate.next(now)) {
      case ADMIT -> {
        return true;
      }
      case CLOSE -> {
        log.info("{} {} closed: message rate limit exceeded persistently", kv("connection", connectionId), kv("peer", peerId));
        close(CloseCodes.POLICY_VIOLATION, ErrorMessages.RATE_LIMITED);
      }
      default -> send(Frame.ERROR, ServerMessages.error(ErrorMessages.RATE_LIMITED));
    }
    metrics.received(Action.INVALID);
    metrics.refused(ServerMetrics.Refusal.RATE_LIMITED);
    return false;
  }

  private static Frame frameType(RoomEvent event) {
    if (event instanceof RoomEvent.Data) {
      return Frame.DATA;
    }
    if (event instanceof RoomEvent.Document) {
      return Frame.DOCUMENT_SYNC;
    }
    if (event instanceof RoomEvent.Membership membership) {
      return membership.joined() ? Frame.PEER_JOINED : Frame.PEER_LEFT;
    }
    return Frame.ERROR; // Closing, Disconnect
  }

  private void enqueue(Supplier<Future<Void>> step) {
    tail = tail.isComplete() ? step.get() : tail.transform(ar -> step.get());
  }

  private Future<Void> invalid(String reason) {
    metrics.received(Action.INVALID);
    send(Frame.ERROR, ServerMessages.invalidFormat(reason));
    return DONE;
  }

  /**
   * @param held the message's reservation: released here, except by a document accepted for the
   *     room, which hands it to the write-behind queue
   */
  private Future<Void> handle(ClientMessage message, Reservation held) {
    if (!(message instanceof ClientMessage.SyncDocument)) {
      held.release(); // nothing of the message is kept past its handling
    }
    if (message instanceof ClientMessage.Join join && !join.hasValidPeerId()) {
      return invalid(Identifiers.INVALID_PEER_ID);
    }
    if (message instanceof ClientMessage.Ping) {
      metrics.received(Action.PING);
      send(Frame.PONG, ServerMessages.pong());
      return DONE;
    }
    if (message instanceof ClientMessage.Join join) {
      return join(join);
    }
    if (message instanceof ClientMessage.Leave) {
      metrics.received(Action.LEAVE);
      return leaveRoom().onComplete(ar -> socket.close(CloseCodes.NORMAL, ""));
    }
    if (state != State.JOINED) {
      held.release();
      refuse(ServerMetrics.Refusal.NOT_IN_ROOM, ErrorMessages.NOT_IN_A_ROOM);
      return DONE;
    }
    if (message instanceof ClientMessage.Broadcast broadcast) {
      if (broadcast.data().utf8Length() > limits.maxDataBytes()) {
        refuse(ServerMetrics.Refusal.TOO_LARGE, ErrorMessages.dataTooLarge(limits.maxDataBytes()));
      } else {
        metrics.received(Action.BROADCAST);
        rooms.broadcast(roomCode, peerId, broadcast.data());
      }
    } else if (message instanceof ClientMessage.SyncDocument sync) {
      if (hostAuthRequired && !host) {
        held.release();
        refuse(RoomRefusal.Reason.HOST_ONLY);
      } else {
        metrics.received(Action.SYNC_DOCUMENT);
        rooms.syncDocument(roomCode, peerId, clientKey, sync.document(), held);
      }
    } else if (message instanceof ClientMessage.RequestSync) {
      return rooms.document(roomCode)
          .onSuccess(doc -> {
            metrics.received(Action.REQUEST_SYNC);
            send(Frame.DOCUMENT_SYNC, ServerMessages.documentSync(doc == null ? NO_DOCUMENT : doc));
          })
          .<Void>mapEmpty()
          .recover(this::refused);
    }
    return DONE;
  }

  /** Refuses what the client sent before any room is asked, for its metadata or its room code's form. */
  private Future<Void> join(ClientMessage.Join join) {
    if (join.metadataOver(limits.maxMetadataBytes())) {
      refuse(ServerMetrics.Refusal.TOO_LARGE, ErrorMessages.metadataTooLarge(limits.maxMetadataBytes()));
      return DONE;
    }
    if (misses.waitSeconds(clientAddress) > 0) {
      return waitForMisses();
    }
    if (!Identifiers.isValidRoomCode(join.roomCode())) {
      misses.missed(clientAddress);
      refuse(RoomRefusal.Reason.ROOM_NOT_FOUND);
      return DONE;
    }
    String code = Identifiers.normalizeRoomCode(join.roomCode());
    PeerInfo me = new PeerInfo(join.peerId(), Instant.now(), join.isHost(), join.metadata());
    return leaveRoom()
        .compose(v -> {
          state = State.JOINING;
          peerId = me.id();
          return rooms.join(code, me, join.hostKey(), connection, fanout, this, joined -> {
            metrics.received(Action.JOIN);
            roomCode = code;
            seat = joined.seat();
            host = joined.host();
            // its own peer_joined is written here, right after its answers, so that nothing the others
            // send once they know of the join can come between; the room's copy of it is dropped
            known = new EventFilter(me.id(), joined.version(), joined.document().stamp());
            send(Frame.ROOM_INFO, ServerMessages.roomInfo(code, joined.room().hostId(), joined.peers()));
            send(Frame.CONNECTED, ServerMessages.connected(me.id(), code));
            if (joined.document().document() != null) {
              send(Frame.DOCUMENT_SYNC, ServerMessages.documentSync(joined.document().document()));
            }
            send(Frame.PEER_JOINED, ServerMessages.peerJoined(me));
            state = State.JOINED;
            held.replay(this::handleEvent);
          });
        })
        .<Void>mapEmpty()
        .recover(err -> {
          state = State.OUTSIDE;
          peerId = null;
          held.drop();
          if (err instanceof RoomRefusal refusal && refusal.reason == RoomRefusal.Reason.ROOM_NOT_FOUND) {
            misses.missed(clientAddress);
          }
          return refused(err);
        });
  }

  /**
   * A join while the address waits out its misses ({@link LookupMisses}): refused without asking
   * any room (an answer would tell a guesser what exists); a socket that keeps trying is closed.
   */
  private Future<Void> waitForMisses() {
    refuse(ServerMetrics.Refusal.TOO_MANY_MISSES, ErrorMessages.TOO_MANY_MISSES);
    if (++missWaits >= MISS_WAITS_BEFORE_CLOSE) {
      log.info("{} closed: kept naming room codes while its address waits out its misses", kv("connection", connectionId));
      close(CloseCodes.POLICY_VIOLATION, ErrorMessages.TOO_MANY_MISSES);
    }
    return DONE;
  }

  private Future<Void> leaveRoom() {
    if (state != State.JOINED) {
      return DONE;
    }
    String code = roomCode;
    String peer = peerId;
    Seat leaving = seat;
    state = State.OUTSIDE;
    roomCode = null;
    seat = null;
    host = false;
    return leaving.leave()
        .recover(err -> {
          log.warn("{} {} leave failed: {}", kv("room", code), kv("peer", peer), err.toString());
          return DONE;
        });
  }

  /** A refusal the client can act on is told as it is; anything else is logged and answered generically. */
  private Future<Void> refused(Throwable err) {
    if (err instanceof RoomRefusal refusal) {
      refuse(refusal.reason);
    } else {
      log.error("{} {} failed", kv("connection", connectionId), kv("peer", peerId), err);
      metrics.received(Action.INVALID);
      send(Frame.ERROR, ServerMessages.error(ErrorMessages.INTERNAL_ERROR));
    }
    return DONE;
  }

  private void refuse(RoomRefusal.Reason reason) {
    refuse(reason.metric, reason.message);
  }

  /** Every refused message counts as "invalid" in kp_messages_received_total, and by why in kp_refusals_total. */
  private void refuse(ServerMetrics.Refusal reason, String message) {
    metrics.received(Action.INVALID);
    metrics.refused(reason);
    send(Frame.ERROR, ServerMessages.error(message));
  }

  private void send(Frame type, String frame) {
    if (!closing) {
      socket.sendText(type, frame);
    }
  }

  private void send(Frame type, byte[] utf8) {
    if (!closing) {
      socket.sendUtf8(type, utf8);
    }
  }

  /** Writes a relayed message's shared frame; takes ownership of one reference to {@code frame}. */
  private void send(Frame type, SharedFrame frame) {
    if (closing) {
      frame.release();
    } else {
      socket.sendFrame(type, frame);
    }
  }


}
