package app.khuphaen.sync.protocol;

/** The WebSocket close codes this server sends (RFC 6455 section 7.4.1), in one place. */
public final class CloseCodes {
  /** The client asked to leave. */
  public static final short NORMAL = 1000;
  /** The server is shutting down, or the connection showed no sign of life. */
  public static final short GOING_AWAY = 1001;
  /** Too many connections from one address, or a persistent flood. */
  public static final short POLICY_VIOLATION = 1008;
  /** A message over MAX_MESSAGE_BYTES. */
  public static final short MESSAGE_TOO_BIG = 1009;
  /**
   * This cluster node was cut off (it stood still past the heartbeat timeout, or is merging back after
   * a split): the others have dropped its peers, so the client reconnects and joins again.
   */
  public static final short SERVICE_RESTART = 1012;
  /** A receiver too slow to keep up (its outgoing queue passed OUTBOUND_QUEUE_BYTES). */
  public static final short TRY_AGAIN_LATER = 1013;
  /** The operator disconnected the peer (admin API); its client should not reconnect on its own. */
  public static final short DISCONNECTED_BY_OPERATOR = 4001;

  private CloseCodes() {}
}
