package app.khuphaen.sync.room;

/**
 * One WebSocket as presence lists it: {@code id} is unique in the cluster and starts with its node's
 * id ({@code node/n}); {@code address} is the client's address (behind TRUSTED_PROXIES, the one they
 * forwarded), shown to the operator.
 */
public record Connection(String id, String address) {

  /** The node a connection id belongs to. */
  public static String nodeOf(String connectionId) {
    return connectionId.substring(0, connectionId.lastIndexOf('/'));
  }
}
