package app.khuphaen.sync.room;

import static net.logstash.logback.argument.StructuredArguments.kv;

import app.khuphaen.sync.model.DocumentState;
import app.khuphaen.sync.model.JsonString;
import app.khuphaen.sync.model.PeerInfo;
import app.khuphaen.sync.model.Reservation;
import app.khuphaen.sync.protocol.ServerMessages;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** A room's frames on their way to every node with peers in it: data, documents, membership news. */
final class Relay {
  private static final Logger log = LoggerFactory.getLogger(Relay.class);

  private final Documents documents;
  private final RoomRoutes routes;
  private final Presence presence;
  private final NodeBus nodeBus;

  Relay(Documents documents, RoomRoutes routes, Presence presence, NodeBus nodeBus) {
    this.documents = documents;
    this.routes = routes;
    this.presence = presence;
    this.nodeBus = nodeBus;
  }

  void broadcast(String code, String from, JsonString data) {
    relay(RoomEvent.data(code, from, ServerMessages.data(from, data)));
  }

  /**
   * Relays the room's new document, then stores it (write-behind); relayed and stored order agree.
   * What is kept and stored is the document inside the relayed frame, so that once the sender's
   * message is handled its bytes are on the heap once, not twice; {@code held} (the message's
   * reservation) goes with it to the write-behind queue.
   */
  void syncDocument(String code, String from, String client, JsonString sent, Reservation held) {
    byte[] frame = ServerMessages.documentSync(sent);
    JsonString document = ServerMessages.documentOf(frame);
    documents.replace(code, document, from, client, held, stamp ->
        relay(RoomEvent.document(code, from, frame, document, stamp)));
  }

  /** The room's latest document, or null when it has none. */
  Future<JsonString> document(String code) {
    return documents.get(code).map(DocumentState::document);
  }

  /** A peer_left, to {@code nodes} (the room's nodes after the change). */
  void peerLeft(String code, String peerId, long version, List<String> nodes) {
    byte[] frame = ServerMessages.peerLeft(peerId).getBytes(StandardCharsets.UTF_8);
    nodeBus.publish(RoomEvent.membership(code, frame, false, version, nodes), nodes);
  }

  static RoomEvent peerJoinedEvent(String code, PeerInfo peer, long version, List<String> nodes) {
    return RoomEvent.membership(code, ServerMessages.peerJoined(peer).getBytes(StandardCharsets.UTF_8), true, version, nodes);
  }

  /** Tells the sockets of {@code peerId} in the room, on whichever node, that the operator closes them. */
  void disconnect(String code, String peerId, String reason) {
    relay(RoomEvent.disconnect(code, peerId, ServerMessages.error(reason).getBytes(StandardCharsets.UTF_8)));
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
          .onFailure(err -> log.warn("{} relay failed: {}", kv("room", event.room()), err.toString()));
    }
  }
}
