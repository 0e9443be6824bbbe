package app.khuphaen.sync.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A bare-TCP WebSocket client for what a well-behaved client library will not do: vanish without a
 * close frame (a crashed browser or a cut network).
 */
public final class RawWebSocket implements AutoCloseable {
  private final Socket socket;
  private final OutputStream out;

  private RawWebSocket(Socket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
  }

  public static RawWebSocket connect(int port) throws IOException {
    return connect(port, "");
  }

  /** Connects with {@code extraHeaders} ("Name: value\r\n" lines) in the upgrade request. */
  public static RawWebSocket connect(int port, String extraHeaders) throws IOException {
    Socket socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(10_000);
    String key = Base64.getEncoder().encodeToString("khu-phaen-raw-key".getBytes(StandardCharsets.US_ASCII)).substring(0, 22) + "==";
    String request = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n" + extraHeaders + "\r\n";
    socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed during the handshake");
      }
      head.write(b);
    }
    if (!head.toString(StandardCharsets.US_ASCII).startsWith("HTTP/1.1 101")) {
      throw new IOException("handshake refused: " + head);
    }
    return new RawWebSocket(socket);
  }

  /** Sends one masked text frame (clients must mask). */
  public void sendText(String text) throws IOException {
    sendFrame(OPCODE_TEXT, true, text.getBytes(StandardCharsets.UTF_8));
  }

  public static final int OPCODE_CONTINUATION = 0x0;
  public static final int OPCODE_TEXT = 0x1;
  public static final int OPCODE_CLOSE = 0x8;
  public static final int OPCODE_PING = 0x9;
  public static final int OPCODE_PONG = 0xA;

  /** Sends one masked frame as given: any opcode, fragments ({@code fin} false), any bytes. */
  public void sendFrame(int opcode, boolean fin, byte[] payload) throws IOException {
    sendRaw(frame(opcode, fin, false, payload));
  }

  /** Sends bytes as they are: frames made with {@link #frame}, many at once. */
  public void sendRaw(byte[] frames) throws IOException {
    out.write(frames);
    out.flush();
  }

  /** One masked client frame; {@code compressed} sets RSV1 (per-message deflate). */
  public static byte[] frame(int opcode, boolean fin, boolean compressed, byte[] payload) {
    ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
    frame.write((fin ? 0x80 : 0) | (compressed ? 0x40 : 0) | opcode);
    if (payload.length < 126) {
      frame.write(0x80 | payload.length);
    } else if (payload.length < 65_536) {
      frame.write(0x80 | 126);
      frame.write(payload.length >>> 8);
      frame.write(payload.length & 0xff);
    } else {
      frame.write(0x80 | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        frame.write((int) ((long) payload.length >>> shift) & 0xff);
      }
    }
    byte[] mask = {1, 2, 3, 4};
    frame.write(mask, 0, 4);
    for (int i = 0; i < payload.length; i++) {
      frame.write(payload[i] ^ mask[i % 4]);
    }
    return frame.toByteArray();
  }

  /** A frame from the server (servers never mask). */
  public record Frame(int opcode, boolean compressed, byte[] payload) {
    public String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    /** The status code of a close frame, or -1 if it carries none. */
    public int closeCode() {
      return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : -1;
    }
  }

  /**
   * The text of a frame compressed with per-message deflate (RFC 7692), inflated on its own: the
   * server negotiates server_no_context_takeover, so no message may refer to an earlier one.
   */
  public static String inflatedText(Frame frame) throws IOException {
    java.util.zip.Inflater inflater = new java.util.zip.Inflater(true);
    byte[] payload = frame.payload();
    byte[] input = java.util.Arrays.copyOf(payload, payload.length + 4);
    input[payload.length + 2] = (byte) 0xff;
    input[payload.length + 3] = (byte) 0xff;
    inflater.setInput(input);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] chunk = new byte[8192];
    try {
      int n;
      while ((n = inflater.inflate(chunk)) > 0) {
        out.write(chunk, 0, n);
      }
    } catch (java.util.zip.DataFormatException e) {
      throw new IOException(e);
    } finally {
      inflater.end();
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** Reads the next whole frame (fails after the socket's 10 s read timeout). */
  public Frame readFrame() throws IOException {
    InputStream in = socket.getInputStream();
    int first = readByte(in);
    int second = readByte(in);
    long length = second & 0x7f;
    if (length == 126) {
      length = ((long) readByte(in) << 8) | readByte(in);
    } else if (length == 127) {
      length = 0;
      for (int i = 0; i < 8; i++) {
        length = (length << 8) | readByte(in);
      }
    }
    byte[] payload = in.readNBytes((int) length);
    if (payload.length != length) {
      throw new IOException("connection closed inside a frame");
    }
    return new Frame(first & 0x0f, (first & 0x40) != 0, payload);
  }

  private static int readByte(InputStream in) throws IOException {
    int b = in.read();
    if (b < 0) {
      throw new IOException("connection closed");
    }
    return b;
  }

  /** Whether the server has closed the TCP connection (reads to its end, ignoring any frames left). */
  public boolean awaitEndOfStream() throws IOException {
    InputStream in = socket.getInputStream();
    try {
      while (in.read() >= 0) {
        // drain
      }
      return true;
    } catch (java.net.SocketException reset) {
      return true;
    }
  }

  /** Closes the TCP connection with no WebSocket close frame. */
  @Override
  public void close() throws IOException {
    socket.close();
  }
}
