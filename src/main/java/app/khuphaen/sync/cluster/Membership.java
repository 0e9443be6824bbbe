package app.khuphaen.sync.cluster;

import io.vertx.core.Future;

import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/** This node's identity among the server's nodes, and news of nodes that leave or die. */
public interface Membership {

  /** Unique among the nodes of the cluster (and across restarts). */
  String nodeId();

  /** The ids of the nodes in the cluster now, this one included. */
  List<String> nodes();

  /** {@code handler} gets the id of every other node that leaves the cluster, gracefully or not. */
  void onNodeLeft(Consumer<String> handler);

  /**
   * {@code handler} runs when the others may have dropped this node while it could not answer (it was
   * paused for longer than the cluster's heartbeat timeout, or it is being merged back after a split):
   * its sockets' peers may be gone from presence everywhere.
   */
  void onSeparated(Runnable handler);

  /**
   * Whether this node is, or may be, cut off from the cluster it belonged to: while it is, it must not
   * act for the cluster (clean up after nodes it believes gone, sweep rooms); the others do.
   */
  boolean separated();

  /**
   * Completes once this node is no longer separated (at once when it is not): merged back into its
   * cluster, or, when the others never dropped it, once the wait for that is over.
   */
  Future<Void> reunited();

  /**
   * The event-bus addresses this node consumes for the others to reach it. When the node is merged
   * back into the cluster after a split, it counts as back only once these are registered again.
   */
  void ownAddresses(List<String> addresses);

  /** A server that is its own and only node. */
  static Membership single() {
    String id = UUID.randomUUID().toString();
    return new Membership() {
      @Override
      public String nodeId() {
        return id;
      }

      @Override
      public List<String> nodes() {
        return List.of(id);
      }

      @Override
      public void onNodeLeft(Consumer<String> handler) {
        // no other node can leave
      }

      @Override
      public void onSeparated(Runnable handler) {
        // nothing to be separated from
      }

      @Override
      public boolean separated() {
        return false;
      }

      @Override
      public Future<Void> reunited() {
        return Future.succeededFuture();
      }

      @Override
      public void ownAddresses(List<String> addresses) {
        // nobody else to reach them
      }
    };
  }
}
