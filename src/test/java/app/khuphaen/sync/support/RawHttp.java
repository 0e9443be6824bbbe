package app.khuphaen.sync.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One HTTP/1.1 connection at the byte level, for what an HTTP client library hides: requests sent in
 * parts or never finished, keep-alive, and whether (and how) the server ends the connection.
 */
public final class RawHttp implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;

  private RawHttp(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
  }

  /** Connects to 127.0.0.1:{@code port} from {@code localAddress} (any 127.x.y.z). */
  public static RawHttp connect(String localAddress, int port) throws IOException {
    Socket socket = new Socket();
    socket.bind(new InetSocketAddress(localAddress, 0));
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    socket.setSoTimeout(15_000);
    return new RawHttp(socket);
  }

  public static RawHttp connect(int port) throws IOException {
    return connect("127.0.0.1", port);
  }

  public void send(String text) throws IOException {
    send(text.getBytes(StandardCharsets.UTF_8));
  }

  public void send(byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
  }

  /** A response: its status code and its body (read by Content-Length). */
  public record Response(int status, String head, String body) {}

  /** Reads one response with a Content-Length body. */
  public Response readResponse() throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection ended inside a response head: " + head);
      }
      head.write(b);
    }
    String headText = head.toString(StandardCharsets.ISO_8859_1);
    int length = 0;
    for (String line : headText.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring("content-length:".length()).trim());
      }
    }
    byte[] body = in.readNBytes(length);
    int status = Integer.parseInt(headText.substring(9, 12));
    return new Response(status, headText, new String(body, StandardCharsets.UTF_8));
  }

  /**
   * Waits (up to the socket's 15 s read timeout) for the server to end the connection: true when it
   * did — orderly (FIN) or not — with no more bytes before it; fails if bytes arrive or nothing happens.
   */
  public boolean awaitEnd() throws IOException {
    try {
      int b = in.read();
      if (b >= 0) {
        throw new AssertionError("expected the connection to end, but the server sent more bytes");
      }
      return true;
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the server kept the connection open for 15 s", e);
    } catch (SocketException reset) {
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
