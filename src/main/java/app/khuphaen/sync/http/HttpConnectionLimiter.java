package app.khuphaen.sync.http;

/**
 * Open plain HTTP connections per TCP peer address (MAX_HTTP_CONNECTIONS_PER_IP), counted from the
 * moment a connection is accepted — before any request, so that connections that never send one are
 * bounded too. A connection leaves the count when it closes or becomes a WebSocket (those count under
 * MAX_CONNECTIONS_PER_IP instead). Trusted proxies are not capped: many clients share their address.
 */
public final class HttpConnectionLimiter {
  private final AddressCounts perAddress;
  private final ClientAddress clientAddress;

  public HttpConnectionLimiter(int maxPerAddress, ClientAddress clientAddress) {
    this.perAddress = new AddressCounts(maxPerAddress);
    this.clientAddress = clientAddress;
  }

  /** Counts a new connection from {@code ip}; false (nothing counted) when that address is at its cap. */
  boolean tryOpen(String ip) {
    return clientAddress.isTrustedProxy(ip) || perAddress.tryOpen(ip);
  }

  void closed(String ip) {
    if (!clientAddress.isTrustedProxy(ip)) {
      perAddress.closed(ip);
    }
  }
}
