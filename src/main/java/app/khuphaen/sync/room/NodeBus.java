package app.khuphaen.sync.room;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * How room events travel. Within a node each room is a local event-bus address that the fan-out of
 * every event loop with members consumes. Between nodes nothing is published to room addresses: each
 * node consumes one address of its own, {@code kp.node.<id>}, registered before the node serves
 * anyone, and a frame crosses once to each node in the room's {@link RoomRoutes route}, where that
 * node's consumer hands it to the room's local address.
 *
 * <p>Why: a clustered publish reaches the nodes the sending node <em>believes</em> consume an address,
 * and a new consumer's registration reaches the other nodes asynchronously, so a frame published
 * right after a join on another node could miss it. Node addresses are registered once, before any
 * other node can hear of them, and routes come from presence, which is consistent under the room's
 * lock.
 */
final class NodeBus {
  private static final Logger log = LoggerFactory.getLogger(NodeBus.class);
  /** How long a node entering a room waits for each other node to confirm; a dead one is left out. */
  static final long CONFIRM_TIMEOUT_MS = 3_000;
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final EventBus bus;
  private final String nodeId;
  private final RoomRoutes routes;

  private NodeBus(Vertx vertx, String nodeId, RoomRoutes routes) {
    this.bus = vertx.eventBus();
    this.nodeId = nodeId;
    this.routes = routes;
  }

  /** Registers this node's address; completes once the cluster has it. */
  static Future<NodeBus> start(Vertx vertx, String nodeId, RoomRoutes routes) {
    NodeBus nodeBus = new NodeBus(vertx, nodeId, routes);
    MessageConsumer<RoomEvent> consumer = nodeBus.bus.consumer(eventAddress(nodeId), message -> {
      nodeBus.deliverLocally(message.body());
      if (message.replyAddress() != null) {
        message.reply(null); // the sender waits for this node to route to it (a node entering the room)
      }
    });
    return consumer.completion().map(nodeBus);
  }

  static String eventAddress(String nodeId) {
    return "kp.node." + nodeId;
  }

  /** The local address of a room, consumed by each event loop's fan-out with members in it. */
  static String roomAddress(String code) {
    return "kp.room." + code;
  }

  /** To this node's members of the room and to every other node in its route. */
  void publish(RoomEvent event) {
    List<String> nodes = routes.nodes(event.room());
    publish(event, nodes == null ? List.of() : nodes);
  }

  /** To this node's members of the room and to each of {@code nodes} but this one. */
  void publish(RoomEvent event, List<String> nodes) {
    deliverLocally(event);
    for (String node : nodes) {
      if (!node.equals(nodeId)) {
        bus.send(eventAddress(node), event);
      }
    }
  }

  /**
   * To each of {@code nodes} but this one, completing once each has taken the event (and the route it
   * carries) or could not be reached within {@link #CONFIRM_TIMEOUT_MS} (a node that died and is about
   * to be removed). Never fails.
   */
  Future<Void> deliverConfirmed(RoomEvent event, List<String> nodes) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(CONFIRM_TIMEOUT_MS);
    List<Future<?>> confirmations = nodes.stream()
        .filter(node -> !node.equals(nodeId))
        .<Future<?>>map(node -> bus.request(eventAddress(node), event, options)
            .onFailure(err -> log.warn("{} {} did not confirm a membership change: {}",
                kv("room", event.room()), kv("node", node), err.getMessage())))
        .toList();
    return Future.join(confirmations).transform(ar -> Future.succeededFuture());
  }

  /** To this node's members of the room only. */
  void deliverLocally(RoomEvent event) {
    if (event instanceof RoomEvent.Membership membership) {
      routes.update(event.room(), membership.version(), membership.nodes());
    }
    bus.publish(roomAddress(event.room()), event, LOCAL);
  }
}
