package app.khuphaen.sync.support;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy the test owns, in front of a real service: cutting it is an outage of that service
 * (connections dropped, new ones refused) without touching the service itself. Used from the test
 * thread; its sockets live on Vert.x's threads, so nothing here holds a lock while it waits for them.
 */
public final class TcpProxy implements AutoCloseable {
  private final Vertx vertx;
  private final String targetHost;
  private final int targetPort;
  private final int port;
  private final NetClient client;
  private final Set<NetSocket> sockets = ConcurrentHashMap.newKeySet();
  private volatile NetServer server;

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
  public void cut() {
    NetServer listening = server;
    server = null; // a connection still being set up is dropped when its upstream arrives
    Await.result(listening.close());
    List.copyOf(sockets).forEach(NetSocket::close);
  }

  /** Accepts connections again. */
  public void restore() {
    NetServer listening = vertx.createNetServer().connectHandler(this::proxy);
    Await.result(listening.listen(port, "127.0.0.1"));
    server = listening;
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
      if (server == null) {
        upstream.close();
        downstream.close();
        return;
      }
      downstream.pipeTo(upstream);
      upstream.pipeTo(downstream);
      downstream.resume();
    });
  }

  private void track(NetSocket socket) {
    sockets.add(socket);
    socket.closeHandler(v -> sockets.remove(socket));
  }

  @Override
  public void close() {
    if (server != null) {
      cut();
    }
    client.close();
  }
}
