package app.khuphaen.sync.transport;

import app.khuphaen.sync.tools.SampleTaskList;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.json.JsonObject;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;

/**
 * Per-message deflate for one relayed message to a room of 20 receivers on one event loop: compressed
 * once and shared ({@link SharedFrame}), as the server does, against each receiver's connection
 * compressing its own copy (Netty's extension encoder, as the server did before), for a 2 MB task list
 * ({@link SampleTaskList}) and a 256-byte {@code data} message. The sizes deflated at zlib levels 1, 6
 * and 9 are printed at set-up.
 * Run: {@code ./mvnw -Pjmh test-compile exec:exec -Djmh.benchmarks=Compression}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CompressionBenchmark {
  private static final int RECEIVERS = 20;

  @Param({"document", "small"})
  public String message;

  private ByteBuf plain;
  private EmbeddedChannel[] connections;

  @Setup(Level.Trial)
  public void setUp() {
    String text = message.equals("document")
        ? new JsonObject().put("type", "document_sync").put("document", SampleTaskList.of(2 * 1024 * 1024)).encode()
        : new JsonObject().put("type", "data").put("from", "peer-1").put("data", "x".repeat(256)).encode();
    plain = WireFrames.text(text.getBytes(StandardCharsets.UTF_8));
    PerMessageDeflateServerExtensionHandshaker handshaker = new PerMessageDeflateServerExtensionHandshaker();
    connections = new EmbeddedChannel[RECEIVERS];
    for (int i = 0; i < RECEIVERS; i++) {
      connections[i] = new EmbeddedChannel(handshaker
          .handshakeExtension(new WebSocketExtensionData("permessage-deflate", Map.of())).newExtensionEncoder());
    }
    for (int level : new int[] {1, 6, 9}) {
      System.out.printf("%n%s: %d bytes, %d deflated at level %d%n", message, payloadLength(), deflatedLength(level), level);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    plain.release();
    for (EmbeddedChannel connection : connections) {
      connection.finishAndReleaseAll();
    }
  }

  /** Now: compressed once (above {@link MessageDeflater#MIN_BYTES}); each receiver writes a duplicate. */
  @Benchmark
  public void sharedForRoom(Blackhole sink) {
    SharedFrame frame = new SharedFrame(plain.retainedDuplicate());
    for (int i = 0; i < RECEIVERS; i++) {
      ByteBuf out = frame.deflated().retainedDuplicate();
      sink.consume(out);
      out.release();
    }
    frame.release();
  }

  /** Before: every receiver's connection compresses its own copy. */
  @Benchmark
  public void perReceiverForRoom(Blackhole sink) {
    int header = WireFrames.headerLength(plain);
    for (EmbeddedChannel connection : connections) {
      connection.writeOutbound(new TextWebSocketFrame(plain.retainedSlice(header, plain.readableBytes() - header)));
      Object out = connection.readOutbound();
      sink.consume(out);
      ReferenceCountUtil.release(out);
    }
  }

  private int payloadLength() {
    return plain.readableBytes() - WireFrames.headerLength(plain);
  }

  private int deflatedLength(int level) {
    Deflater deflater = new Deflater(level, true);
    byte[] input = new byte[payloadLength()];
    plain.getBytes(WireFrames.headerLength(plain), input);
    deflater.setInput(input);
    byte[] out = new byte[input.length + 1024];
    int length = deflater.deflate(out, 0, out.length, Deflater.SYNC_FLUSH);
    deflater.end();
    return length - 4;
  }
}
