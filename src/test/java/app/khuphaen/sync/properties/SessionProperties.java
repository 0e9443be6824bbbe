package app.khuphaen.sync.properties;

import app.khuphaen.sync.support.LogCapture;
import app.khuphaen.sync.support.Messages;
import app.khuphaen.sync.support.TestServer;
import app.khuphaen.sync.support.WsClient;
import io.vertx.core.json.JsonObject;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Arbitrary sequences of actions from several sockets (two of which may share a peer id, as browser
 * tabs do), run against a real server and a model of what it should hold. Afterwards presence must
 * match the open sockets, each room's document must be the last accepted sync_document, and nothing
 * may have failed inside the server.
 */
class SessionProperties {
  private static final int SOCKETS = 3;
  private static final AtomicInteger TRY = new AtomicInteger();

  private TestServer server;
  private LogCapture logs;

  sealed interface Action permits Join, Broadcast, Sync, RequestSync, Leave, Drop, Garbage {}
  record Join(int socket, int room, int peer) implements Action {}
  record Broadcast(int socket) implements Action {}
  record Sync(int socket, String document) implements Action {}
  record RequestSync(int socket) implements Action {}
  record Leave(int socket) implements Action {}
  record Drop(int socket) implements Action {}
  record Garbage(int socket, String text) implements Action {}

  @BeforeProperty
  void start() {
    logs = new LogCapture(org.slf4j.Logger.ROOT_LOGGER_NAME);
    server = TestServer.start();
  }

  @AfterProperty
  void stop() {
    server.close();
    logs.close();
  }

  @Property(tries = 30)
  void presenceAndDocumentsFollowTheModel(@ForAll("actions") List<Action> actions) {
    String[] rooms = {"PROP" + TRY.incrementAndGet() + "A", "PROP" + TRY.get() + "B"};
    for (String room : rooms) {
      server.createRoom(room);
    }
    WsClient[] sockets = new WsClient[SOCKETS];
    String[] joinedRoom = new String[SOCKETS];
    String[] peerOf = new String[SOCKETS];
    Map<String, String> documents = new HashMap<>();
    try {
      for (Action action : actions) {
        int s = socketOf(action);
        if (sockets[s] == null) {
          sockets[s] = server.connect();
        }
        WsClient socket = sockets[s];
        drain(socket);
        if (action instanceof Join join) {
          String peer = "peer" + join.peer();
          socket.send(Messages.join(rooms[join.room()], peer, join.peer() == 0));
          awaitType(socket, "connected");
          joinedRoom[s] = rooms[join.room()];
          peerOf[s] = peer;
        } else if (action instanceof Broadcast) {
          socket.send(Messages.broadcast("hello"));
          expectNotInARoomUnless(socket, joinedRoom[s] != null);
        } else if (action instanceof Sync sync) {
          socket.send(Messages.syncDocument(sync.document()));
          expectNotInARoomUnless(socket, joinedRoom[s] != null);
          if (joinedRoom[s] != null) {
            documents.put(joinedRoom[s], sync.document());
          }
        } else if (action instanceof RequestSync) {
          socket.send(Messages.action("request_sync"));
          if (joinedRoom[s] == null) {
            socket.expectError("Not in a room");
          } else {
            assertThat(awaitType(socket, "document_sync").getString("document"))
                .isEqualTo(documents.getOrDefault(joinedRoom[s], ""));
          }
        } else if (action instanceof Leave) {
          socket.send(Messages.action("leave"));
          socket.awaitCloseDiscarding();
          sockets[s] = null;
          joinedRoom[s] = null;
        } else if (action instanceof Drop) {
          socket.close();
          sockets[s] = null;
          joinedRoom[s] = null;
        } else if (action instanceof Garbage garbage) {
          socket.sendText(garbage.text());
          assertThat(awaitType(socket, "error").getString("message")).startsWith("Invalid message format: ");
        }
      }
      for (String room : rooms) {
        Set<String> expected = new HashSet<>();
        for (int s = 0; s < SOCKETS; s++) {
          if (room.equals(joinedRoom[s])) {
            expected.add(peerOf[s]);
          }
        }
        awaitPresence(room, expected);
      }
      for (String room : rooms) {
        try (WsClient checker = server.connect()) {
          checker.send(Messages.action("ping")); // a non-joined socket: ask through a join-free path
          checker.next("pong");
          checker.send(Messages.join(room, "checker", false));
          checker.next("room_info");
          checker.next("connected");
          JsonObject next = checker.next();
          String stored = "document_sync".equals(next.getString("type")) ? next.getString("document") : null;
          assertThat(stored).as("document of %s", room).isEqualTo(documents.get(room));
        }
      }
    } finally {
      for (WsClient socket : sockets) {
        if (socket != null) {
          socket.close();
        }
      }
    }
    assertThat(logs.errors()).as("errors logged by the server").isEmpty();
  }

  @Provide
  Arbitrary<List<Action>> actions() {
    Arbitrary<Integer> socket = Arbitraries.integers().between(0, SOCKETS - 1);
    Arbitrary<Action> join = Combinators.combine(socket, Arbitraries.integers().between(0, 1), Arbitraries.integers().between(0, 1))
        .as(Join::new);
    Arbitrary<Action> sync = Combinators.combine(socket, Arbitraries.strings().ofMaxLength(30)).as(Sync::new);
    Arbitrary<Action> garbage = Combinators.combine(socket,
        Arbitraries.strings().ofMinLength(1).ofMaxLength(30).filter(t -> !t.trim().startsWith("{"))).as(Garbage::new);
    Arbitrary<Action> action = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, join),
        net.jqwik.api.Tuple.of(3, socket.map(Broadcast::new)),
        net.jqwik.api.Tuple.of(3, sync),
        net.jqwik.api.Tuple.of(2, socket.map(RequestSync::new)),
        net.jqwik.api.Tuple.of(1, socket.map(Leave::new)),
        net.jqwik.api.Tuple.of(1, socket.map(Drop::new)),
        net.jqwik.api.Tuple.of(1, garbage));
    return action.list().ofMinSize(1).ofMaxSize(25);
  }

  private static int socketOf(Action action) {
    if (action instanceof Join a) {
      return a.socket();
    } else if (action instanceof Broadcast a) {
      return a.socket();
    } else if (action instanceof Sync a) {
      return a.socket();
    } else if (action instanceof RequestSync a) {
      return a.socket();
    } else if (action instanceof Leave a) {
      return a.socket();
    } else if (action instanceof Drop a) {
      return a.socket();
    }
    return ((Garbage) action).socket();
  }

  /** Reads and drops what other sockets' actions sent this one, up to the answer to a ping. */
  private static void drain(WsClient socket) {
    socket.send(Messages.action("ping"));
    awaitType(socket, "pong");
  }

  private static JsonObject awaitType(WsClient socket, String type) {
    JsonObject message;
    do {
      message = socket.next();
    } while (!type.equals(message.getString("type")));
    return message;
  }

  /** Outside a room the action is refused; inside, nothing comes back to the sender (checked with a ping). */
  private static void expectNotInARoomUnless(WsClient socket, boolean joined) {
    if (!joined) {
      socket.expectError("Not in a room");
    }
    socket.send(Messages.action("ping"));
    JsonObject next;
    do {
      next = socket.next();
      assertThat(next.getString("type")).as("nothing but relays before the pong").isNotEqualTo("error");
    } while (!"pong".equals(next.getString("type")));
  }

  /** Presence follows closes asynchronously: wait (bounded) until it matches. */
  private void awaitPresence(String room, Set<String> expected) {
    server.http.await("/api/rooms/" + room, r -> {
      Set<String> actual = new HashSet<>();
      r.json().getJsonArray("peers").forEach(p -> actual.add(((JsonObject) p).getString("id")));
      return actual.equals(expected);
    }, "presence of " + room + " being " + expected);
  }
}
