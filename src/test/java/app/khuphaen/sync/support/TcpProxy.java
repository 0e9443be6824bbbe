package app.khuphaen.sync.support;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

import java.util.HashSet;
import java.util.Set;

/**
 * A TCP proxy the test owns, in front of a real service: cutting it is an outage of that service
 * (connections dropped, new ones refused) without touching the service itself.
 */
public final class TcpProxy implements AutoCloseable {
  private final Vertx vertx;
  private final String targetHost;
  private final int targetPort;
  private final int port;
  private final NetClient client;
  private final Set<NetSocket> sockets = new HashSet<>();
  private NetServer server;

  private TcpProxy(Vertx vertx, String targetHost, int targetPort, int port) {
    this.vertx = vertx;
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.port = port;
    this.client = vertx.createNetClient();
  }

  public static TcpProxy start(Vertx vertx, String targetHost, int targetPort) {
    TcpProxy proxy = new TcpProxy(vertx, targetHost, targetPort, TestServer.freePort());
    proxy.restore();
    return proxy;
  }

  public int port() {
    return port;
  }

  /** Drops every proxied connection and refuses new ones. */
  public synchronized void cut() {
    Await.result(server.close());
    server = null;
    new HashSet<>(sockets).forEach(NetSocket::close);
    sockets.clear();
  }

  /** Accepts connections again. */
  public synchronized void restore() {
    server = vertx.createNetServer().connectHandler(this::proxy);
    Await.result(server.listen(port, "127.0.0.1"));
  }

  private void proxy(NetSocket downstream) {
    downstream.pause();
    track(downstream);
    client.connect(targetPort, targetHost).onComplete(ar -> {
      if (ar.failed()) {
        downstream.close();
        return;
      }
      NetSocket upstream = ar.result();
      track(upstream);
      downstream.pipeTo(upstream);
      upstream.pipeTo(downstream);
      downstream.resume();
    });
  }

  private synchronized void track(NetSocket socket) {
    sockets.add(socket);
    socket.closeHandler(v -> {
      synchronized (this) {
        sockets.remove(socket);
      }
    });
  }

  @Override
  public synchronized void close() {
    if (server != null) {
      cut();
    }
    client.close();
  }
}
