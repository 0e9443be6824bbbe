package app.khuphaen.sync.room;

import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.metrics.ServerMetrics;
import app.khuphaen.sync.protocol.ClientMessage;
import app.khuphaen.sync.protocol.ClientMessageParser;
import app.khuphaen.sync.protocol.InvalidMessageException;
import app.khuphaen.sync.protocol.ServerMessages;
import app.khuphaen.sync.model.JsonString;
import app.khuphaen.sync.transport.BufferBudget;
import app.khuphaen.sync.transport.PeerSocket;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The per-message hot path: parsing a client frame, encoding a data frame once, and the fan-out of
 * one frame to a room of 25 local peers (each peer a Netty channel with a {@link PeerSocket} and the
 * WebSocket encoder, as on a live socket; each test channel has an executor of its own, so each gets
 * the end-of-turn flush task that a live event loop runs once for all of its sockets). Run: {@code mvn -Pjmh test-compile exec:exec}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HotPathBenchmark {
  private static final ClientMessageParser PARSER =
      new ClientMessageParser(Settings.defaults().limits().maxNestingDepth(), Settings.defaults().limits().maxMetadataBytes());
  private static final int PEERS = 25;

  private byte[] clientFrame;
  private JsonString payload;
  private LocalFanout fanout;
  private LocalFanout.Group group;
  private RoomEvent event;
  private EmbeddedChannel[] channels;

  @Setup(Level.Trial)
  public void setUp() {
    String data = "~M~sender-7~123456789~" + "x".repeat(230);
    payload = JsonString.of(data);
    clientFrame = ("{\"action\":\"broadcast\",\"data\":\"" + data + "\"}").getBytes(StandardCharsets.UTF_8);
    fanout = new LocalFanout(null, null, new LocalRooms());
    channels = new EmbeddedChannel[PEERS];
    RoomMember[] members = new RoomMember[PEERS];
    BufferBudget budget = new BufferBudget(Settings.defaults().limits().bufferBudgetBytes());
    for (int i = 0; i < PEERS; i++) {
      PeerSocket socket = new PeerSocket(1 << 20, false, 16 << 20, budget, ServerMetrics.detached());
      channels[i] = new EmbeddedChannel(socket.head(), new WebSocket13FrameEncoder(false), socket);
      String peer = "peer-" + i;
      members[i] = (e, frame) -> {
        if (e.isFor(peer)) {
          socket.sendFrame(ServerMetrics.Frame.DATA, frame.retain());
        }
      };
    }
    group = new LocalFanout.Group(null); // no event-bus consumer: the benchmark dispatches itself
    for (RoomMember member : members) {
      group.add(member);
    }
    event = RoomEvent.data("BENCH1", "peer-0", ServerMessages.data("peer-0", payload));
  }

  @Benchmark
  public ClientMessage parseClientFrame() throws InvalidMessageException {
    return PARSER.parse(clientFrame);
  }

  @Benchmark
  public byte[] encodeDataFrame() {
    return ServerMessages.data("peer-0", payload);
  }

  /** One relayed frame to 24 receivers (the sender is skipped); time per frame, not per receiver. */
  @Benchmark
  public int fanOutToARoomOf25() {
    fanout.dispatch("BENCH1", group, event);
    int written = 0;
    for (EmbeddedChannel channel : channels) {
      channel.runPendingTasks(); // the turn's flush
      Object out;
      while ((out = channel.readOutbound()) != null) {
        ((ByteBuf) out).release();
        written++;
      }
    }
    return written;
  }
}
