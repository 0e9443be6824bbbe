package app.khuphaen.sync.cluster;

import java.util.UUID;
import java.util.function.Consumer;

/** This node's identity among the server's nodes, and news of nodes that leave or die. */
public interface Membership {

  /** Unique among the nodes of the cluster (and across restarts). */
  String nodeId();

  /** {@code handler} gets the id of every other node that leaves the cluster, gracefully or not. */
  void onNodeLeft(Consumer<String> handler);

  /** A server that is its own and only node. */
  static Membership single() {
    String id = UUID.randomUUID().toString();
    return new Membership() {
      @Override
      public String nodeId() {
        return id;
      }

      @Override
      public void onNodeLeft(Consumer<String> handler) {
        // no other node can leave
      }
    };
  }
}
