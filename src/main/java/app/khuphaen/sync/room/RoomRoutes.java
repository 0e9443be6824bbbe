package app.khuphaen.sync.room;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which nodes each room's frames go to, as this node knows it: for every room with peers on this
 * node, the nodes that presence lists for it and the membership version that list belongs to.
 *
 * <p>A route starts from presence itself, read under the room's lock when a local peer joins, and
 * then follows the room's peer_joined / peer_left events (each carries the room's nodes after the
 * change), newest version winning whatever order they arrive in. A node that enters a room is only
 * answered once every other node of the room has taken it into its route (see
 * {@link RoomService#join}), so a route never lacks a node that has peers in the room. Thread-safe.
 */
final class RoomRoutes {
  private static final class Route {
    long version;
    List<String> nodes;
    int localMembers;
  }

  private final Map<String, Route> routes = new ConcurrentHashMap<>();

  /** A local peer joined; {@code nodes} is presence after its join, at {@code version}. */
  void retain(String code, long version, List<String> nodes) {
    routes.compute(code, (k, route) -> {
      Route r = route == null ? new Route() : route;
      r.localMembers++;
      apply(r, version, nodes);
      return r;
    });
  }

  /** A local peer left the room (or never finished joining). */
  void release(String code) {
    routes.computeIfPresent(code, (k, route) -> --route.localMembers > 0 ? route : null);
  }

  /** A membership change of the room: taken when newer than what this route reflects. */
  void update(String code, long version, List<String> nodes) {
    routes.computeIfPresent(code, (k, route) -> {
      apply(route, version, nodes);
      return route;
    });
  }

  /** The nodes the room's frames go to, or null when this node has no peers in the room. */
  List<String> nodes(String code) {
    Route route = routes.get(code);
    if (route == null) {
      return null;
    }
    synchronized (route) {
      return route.nodes;
    }
  }

  /** A node left the cluster: its peers are gone, frames no longer go there. */
  void dropNode(String nodeId) {
    routes.values().forEach(route -> {
      synchronized (route) {
        if (route.nodes.contains(nodeId)) {
          route.nodes = route.nodes.stream().filter(n -> !n.equals(nodeId)).toList();
        }
      }
    });
  }

  /** Rooms with a route (for /health: nothing here may outlive the room's local peers). */
  int size() {
    return routes.size();
  }

  private static void apply(Route route, long version, List<String> nodes) {
    synchronized (route) {
      if (route.nodes == null || version > route.version) {
        route.version = version;
        route.nodes = List.copyOf(nodes);
      }
    }
  }
}
