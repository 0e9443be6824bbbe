package app.khuphaen.sync.session;

import app.khuphaen.sync.protocol.ClientMessage;
import app.khuphaen.sync.protocol.ClientMessageParser;
import app.khuphaen.sync.protocol.Identifiers;
import app.khuphaen.sync.protocol.InvalidMessageException;
import app.khuphaen.sync.protocol.PeerInfo;
import app.khuphaen.sync.protocol.ServerMessages;
import app.khuphaen.sync.room.LocalFanout;
import app.khuphaen.sync.room.RoomMember;
import app.khuphaen.sync.room.RoomNotFoundException;
import app.khuphaen.sync.room.RoomService;
import app.khuphaen.sync.room.StoreUnavailableException;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.ServerWebSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * One WebSocket connection: reads client messages in order, tracks which room it is in, and writes
 * what the room sends it. Runs entirely on the connection's event loop.
 *
 * <p>A join or leave waits for the room's lock; frames that arrive meanwhile queue behind it, so a
 * client's messages take effect in the order it sent them. Room events that reach a socket while its
 * join is being answered are held and written right after the joiner's own answers.
 */
public final class Session implements RoomMember {
  private static final Logger log = LoggerFactory.getLogger(Session.class);
  private static final Future<Void> DONE = Future.succeededFuture();

  private enum State { OUTSIDE, JOINING, JOINED, CLOSED }

  private final ServerWebSocket ws;
  private final RoomService rooms;
  private final LocalFanout fanout;
  private final String connectionId;
  private final List<ByteBuf> held = new ArrayList<>();
  private final Promise<Void> closed = Promise.promise();
  private Future<Void> tail = DONE;
  private State state = State.OUTSIDE;
  private String roomCode;
  private String peerId;

  public Session(ServerWebSocket ws, RoomService rooms, LocalFanout fanout) {
    this.ws = ws;
    this.rooms = rooms;
    this.fanout = fanout;
    this.connectionId = rooms.newConnectionId();
  }

  /** Starts reading; {@code onClosed} runs once the socket is closed and the room left. */
  public void start(Runnable onClosed) {
    ws.textMessageHandler(text -> enqueue(() -> handle(text)));
    ws.binaryMessageHandler(bytes -> enqueue(() -> {
      send(ServerMessages.invalidFormat(ServerMessages.BINARY_NOT_SUPPORTED));
      return DONE;
    }));
    ws.exceptionHandler(err -> log.debug("connection={} error: {}", connectionId, err.toString()));
    ws.closeHandler(v -> enqueue(() -> leaveRoom().onComplete(ar -> {
      state = State.CLOSED;
      onClosed.run();
      closed.complete();
    })));
  }

  /** Completes once the socket is closed and has left its room. */
  public Future<Void> closed() {
    return closed.future();
  }

  /** Closes the socket with the given WebSocket close code (e.g. 1001 when the server stops). */
  public Future<Void> close(short code, String reason) {
    return ws.close(code, reason);
  }

  @Override
  public String peerId() {
    return peerId;
  }

  @Override
  public void deliver(ByteBuf frame) {
    if (state == State.JOINED) {
      send(frame.retainedDuplicate());
    } else if (state == State.JOINING) {
      held.add(frame.retainedDuplicate());
    }
  }

  private void enqueue(Supplier<Future<Void>> step) {
    tail = tail.isComplete() ? step.get() : tail.transform(ar -> step.get());
  }

  private Future<Void> handle(String text) {
    ClientMessage message;
    try {
      message = ClientMessageParser.parse(text);
    } catch (InvalidMessageException e) {
      send(ServerMessages.invalidFormat(e.getMessage()));
      return DONE;
    }
    if (message instanceof ClientMessage.Ping) {
      send(ServerMessages.pong());
      return DONE;
    }
    if (message instanceof ClientMessage.Join join) {
      return join(join);
    }
    if (message instanceof ClientMessage.Leave) {
      return leaveRoom().onComplete(ar -> ws.close());
    }
    if (state != State.JOINED) {
      send(ServerMessages.error(ServerMessages.NOT_IN_A_ROOM));
      return DONE;
    }
    if (message instanceof ClientMessage.Broadcast broadcast) {
      rooms.broadcast(roomCode, peerId, broadcast.data());
    } else if (message instanceof ClientMessage.SyncDocument sync) {
      rooms.syncDocument(roomCode, peerId, sync.document());
    } else if (message instanceof ClientMessage.RequestSync) {
      return rooms.document(roomCode)
          .onSuccess(doc -> send(ServerMessages.documentSync(doc == null ? "" : doc)))
          .<Void>mapEmpty()
          .recover(err -> {
            if (err instanceof StoreUnavailableException) {
              send(ServerMessages.error(err.getMessage()));
              return DONE;
            }
            return internalError("request_sync", err);
          });
    }
    return DONE;
  }

  private Future<Void> join(ClientMessage.Join join) {
    if (!Identifiers.isValidPeerId(join.peerId())) {
      send(ServerMessages.invalidFormat(Identifiers.INVALID_PEER_ID));
      return DONE;
    }
    if (!Identifiers.isValidRoomCode(join.roomCode())) {
      send(ServerMessages.error(ServerMessages.ROOM_NOT_FOUND));
      return DONE;
    }
    String code = Identifiers.normalizeRoomCode(join.roomCode());
    PeerInfo me = new PeerInfo(join.peerId(), Instant.now(), join.isHost(), join.metadata());
    return leaveRoom()
        .compose(v -> {
          state = State.JOINING;
          peerId = me.id();
          return rooms.join(code, me, connectionId, fanout, this, joined -> {
            roomCode = code;
            send(ServerMessages.roomInfo(code, joined.room().hostId(), joined.peers()));
            send(ServerMessages.connected(me.id(), code));
            if (joined.document() != null) {
              send(ServerMessages.documentSync(joined.document()));
            }
            state = State.JOINED;
            held.forEach(this::send);
            held.clear(); // ownership went to the socket
          });
        })
        .<Void>mapEmpty()
        .recover(err -> {
          state = State.OUTSIDE;
          peerId = null;
          held.forEach(ByteBuf::release);
          held.clear();
          if (err instanceof RoomNotFoundException) {
            send(ServerMessages.error(ServerMessages.ROOM_NOT_FOUND));
            return DONE;
          }
          if (err instanceof StoreUnavailableException) {
            send(ServerMessages.error(err.getMessage()));
            return DONE;
          }
          return internalError("join room=" + code, err);
        });
  }

  private Future<Void> leaveRoom() {
    if (state != State.JOINED) {
      return DONE;
    }
    String code = roomCode;
    String peer = peerId;
    state = State.OUTSIDE;
    roomCode = null;
    return rooms.leave(code, peer, connectionId, fanout, this)
        .recover(err -> {
          log.warn("room={} peer={} leave failed: {}", code, peer, err.toString());
          return DONE;
        });
  }

  private Future<Void> internalError(String what, Throwable err) {
    log.error("connection={} {} failed", connectionId, what, err);
    send(ServerMessages.error("Internal server error"));
    return DONE;
  }

  private void send(String frame) {
    if (!ws.isClosed()) {
      ws.writeTextMessage(frame);
    }
  }

  /** Writes a shared, already-encoded frame; takes ownership of {@code frame}. */
  private void send(ByteBuf frame) {
    if (ws.isClosed()) {
      frame.release();
    } else {
      TextFrames.write(ws, frame);
    }
  }
}
