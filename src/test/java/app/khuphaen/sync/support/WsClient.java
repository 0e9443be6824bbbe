package app.khuphaen.sync.support;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A real WebSocket client that queues what the server sends, for tests to take in order. */
public final class WsClient implements AutoCloseable {
  private static final long WAIT_SECONDS = 10;

  private final WebSocketClient client;
  private final WebSocket ws;
  private final BlockingQueue<String> inbox = new LinkedBlockingQueue<>();
  private final CompletableFuture<Short> closed = new CompletableFuture<>();

  private WsClient(WebSocketClient client, WebSocket ws) {
    this.client = client;
    this.ws = ws;
    ws.textMessageHandler(inbox::add);
    ws.closeHandler(v -> closed.complete(ws.closeStatusCode() == null ? -1 : ws.closeStatusCode()));
  }

  public static WsClient connect(Vertx vertx, int port) {
    return connect(vertx, port, false);
  }

  /** With {@code offerDeflate}, the client offers per-message deflate, as browsers do. */
  public static WsClient connect(Vertx vertx, int port, boolean offerDeflate) {
    return connect(vertx, port, offerDeflate, "127.0.0.1");
  }

  /** From {@code localAddress} (any 127.x.y.z): another client, as the server's per-address limits see it. */
  /** From {@code localAddress}, offering per-message deflate or not. */
  public static WsClient connectFrom(Vertx vertx, int port, String localAddress, boolean offerDeflate) {
    return connect(vertx, port, offerDeflate, localAddress);
  }

  public static WsClient connectFrom(Vertx vertx, int port, String localAddress) {
    return connect(vertx, port, false, localAddress);
  }

  private static WsClient connect(Vertx vertx, int port, boolean offerDeflate, String localAddress) {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setTryUsePerMessageCompression(offerDeflate)
        .setCompressionAllowClientNoContext(true) // the server always asks for it, as RFC 7692 lets it
        .setLocalAddress(localAddress)
        .setMaxFrameSize(64 * 1024 * 1024)
        .setMaxMessageSize(64 * 1024 * 1024));
    // handlers are set in the connect callback, on the client's event loop, so that not even a
    // message the server sends at once (e.g. a refusal) can arrive before them
    return Await.result(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/ws"))
        .map(ws -> new WsClient(client, ws)));
  }

  public void send(JsonObject message) {
    sendText(message.encode());
  }

  /** Sends, ignoring a socket the server has just closed (for tests that expect it to). */
  public void trySend(JsonObject message) {
    ws.writeTextMessage(message.encode());
  }

  /** Sends without waiting for the write (for floods). */
  public void trySendText(String text) {
    ws.writeTextMessage(text);
  }

  public void sendText(String text) {
    Await.result(ws.writeTextMessage(text));
  }

  public void sendBinary(Buffer bytes) {
    Await.result(ws.writeBinaryMessage(bytes));
  }

  /** The next raw text frame from the server. */
  public String nextText() {
    try {
      String text = inbox.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      if (text == null) {
        throw new AssertionError("no message from the server within " + WAIT_SECONDS + " s");
      }
      return text;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  public JsonObject next() {
    return new JsonObject(nextText());
  }

  /** The next message, which must be of {@code type}. */
  public JsonObject next(String type) {
    JsonObject message = next();
    assertThat(message.getString("type")).as("type of %s", message).isEqualTo(type);
    return message;
  }

  /** Asserts the next message is the error {@code text}. */
  public void expectError(String text) {
    assertThat(next("error").getString("message")).isEqualTo(text);
  }

  /**
   * Proves nothing else is queued for this client: a ping sent now must be answered by the very next
   * message (the server answers each socket in order).
   */
  public void expectNothingPending() {
    send(new JsonObject().put("action", "ping"));
    next("pong");
  }

  /** Joins and consumes the joiner's answers; returns room_info. */
  public JsonObject join(String code, String peerId, boolean isHost) {
    send(Messages.join(code, peerId, isHost));
    JsonObject info = next("room_info");
    next("connected");
    JsonObject message = next();
    if ("document_sync".equals(message.getString("type"))) {
      message = next();
    }
    assertThat(message.getString("type")).isEqualTo("peer_joined");
    assertThat(message.getJsonObject("peer").getString("id")).isEqualTo(peerId);
    return info;
  }

  /** Reads until a peer_left has come for each of {@code peerIds}, skipping anything else. */
  public void awaitPeersLeft(Set<String> peerIds) {
    Set<String> missing = new HashSet<>(peerIds);
    while (!missing.isEmpty()) {
      JsonObject message = next();
      if ("peer_left".equals(message.getString("type"))) {
        missing.remove(message.getString("peer_id"));
      }
    }
  }

  /** The next message if one is already here, else null (for interleaving with sends). */
  public JsonObject poll() {
    String text = inbox.poll();
    return text == null ? null : new JsonObject(text);
  }

  /** Stops reading from the socket: the server's frames pile up, as with a stalled browser tab. */
  public void pause() {
    ws.pause();
  }

  public void resume() {
    ws.resume();
  }

  /** Waits for the close, dropping whatever messages arrive before it; answers the close code. */
  public short awaitCloseDiscarding() {
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS * 3);
      while (!closed.isDone()) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("socket not closed within " + WAIT_SECONDS * 3 + " s");
        }
        inbox.poll(100, TimeUnit.MILLISECONDS);
      }
      return closed.get();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  public boolean isClosed() {
    return ws.isClosed();
  }

  /** Waits for the server to close the socket and answers the close code. */
  public short awaitClose() {
    try {
      return closed.get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("socket not closed within " + WAIT_SECONDS + " s", e);
    }
  }

  @Override
  public void close() {
    try {
      if (!ws.isClosed()) {
        Await.result(ws.close());
      }
    } catch (IllegalStateException alreadyClosed) {
      // the server closed it between the check and the close
    }
    client.close();
  }
}
