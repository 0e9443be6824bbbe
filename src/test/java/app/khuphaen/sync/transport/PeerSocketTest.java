package app.khuphaen.sync.transport;

import app.khuphaen.sync.metrics.ServerMetrics;
import app.khuphaen.sync.support.Await;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The outgoing rules of one socket, on an embedded channel: what waits and what is charged, the
 * socket's bound, the server's budget, and a close that does not wait behind unread data. A client
 * that stops reading is simulated by making the channel unwritable (Netty's own flag).
 */
class PeerSocketTest {
  private static final int BOUND = 10_000;

  private final List<String> events = new ArrayList<>();
  private final ServerMetrics metrics = ServerMetrics.detached();

  private final class Recorder implements PeerSocket.Listener {
    private final String name;

    Recorder(String name) {
      this.name = name;
    }

    @Override public void onText(byte[] utf8, app.khuphaen.sync.model.Reservation held) {
      held.release();
      events.add(name + " text " + new String(utf8, StandardCharsets.UTF_8));
    }
    @Override public void onBinary() { events.add(name + " binary"); }
    @Override public void onSignOfLife() {}
    @Override public void onTooSlow(String why) { events.add(name + " too slow: " + why); }
    @Override public void onClosed() { events.add(name + " closed"); }
  }

  private EmbeddedChannel channel(PeerSocket socket, String name) {
    EmbeddedChannel channel = new EmbeddedChannel();
    channel.pipeline().addLast(socket);
    socket.listen(new Recorder(name));
    return channel;
  }

  private static void stopReading(EmbeddedChannel channel, boolean stopped) {
    channel.unsafe().outboundBuffer().setUserDefinedWritability(1, !stopped);
    channel.runPendingTasks();
  }

  /** The text of a server text frame as it goes on the wire (unmasked, final, at most 64 KiB here). */
  private static String text(Object written) {
    ByteBuf frame = (ByteBuf) written;
    try {
      int length = frame.getByte(frame.readerIndex() + 1) & 0x7F;
      int header = length == 126 ? 4 : 2;
      return frame.toString(frame.readerIndex() + header, frame.readableBytes() - header, StandardCharsets.UTF_8);
    } finally {
      frame.release();
    }
  }

  private static int drainOutbound(EmbeddedChannel channel) {
    channel.runPendingTasks(); // the turn's flush
    int frames = 0;
    for (Object out; (out = channel.readOutbound()) != null; frames++) {
      ReferenceCountUtil.release(out);
    }
    return frames;
  }

  @Test
  void framesGoStraightOutWhileTheClientKeepsUpAndNothingIsCharged() {
    BufferBudget budget = new BufferBudget(1_000_000);
    PeerSocket socket = new PeerSocket(1 << 20, false, BOUND, budget, metrics);
    EmbeddedChannel channel = channel(socket, "a");
    socket.sendText(ServerMetrics.Frame.DATA, "one");
    socket.sendText(ServerMetrics.Frame.DATA, "two");
    assertThat(drainOutbound(channel)).isEqualTo(2);
    assertThat(budget.held()).isZero();
  }

  /** On a real event loop (an embedded channel runs its pending tasks at every write). */
  @Test
  void framesWrittenInOneTurnOfTheEventLoopLeaveInOneFlushPerSocket() throws Exception {
    DefaultEventLoopGroup loop = new DefaultEventLoopGroup(1);
    try {
      BufferBudget budget = new BufferBudget(1_000_000);
      List<PeerSocket> sockets = new CopyOnWriteArrayList<>();
      int[] flushes = {0, 0};
      LocalAddress address = new LocalAddress("turn-flush-" + System.nanoTime());
      Channel server = new ServerBootstrap().group(loop).channel(LocalServerChannel.class)
          .childHandler(new ChannelInitializer<LocalChannel>() {
            @Override
            protected void initChannel(LocalChannel channel) {
              PeerSocket socket = new PeerSocket(1 << 20, false, BOUND, budget, metrics);
              channel.pipeline().addLast(flushCounter(flushes, sockets.size()), socket);
              sockets.add(socket);
            }
          }).bind(address).sync().channel();
      List<Object> received = new CopyOnWriteArrayList<>();
      Bootstrap client = new Bootstrap().group(loop).channel(LocalChannel.class).handler(new Reader(received));
      client.connect(address).sync();
      client.connect(address).sync();
      loop.submit(() -> {}).sync(); // both accepted

      int[] flushedWithinTheTurn = {-1, -1};
      loop.submit(() -> { // one turn of the event loop that writes to both sockets
        sockets.get(0).sendText(ServerMetrics.Frame.DATA, "one");
        sockets.get(0).sendText(ServerMetrics.Frame.DATA, "two");
        sockets.get(1).sendText(ServerMetrics.Frame.DATA, "three");
        flushedWithinTheTurn[0] = flushes[0];
        flushedWithinTheTurn[1] = flushes[1];
      }).sync();
      loop.submit(() -> {}).sync(); // after the end-of-turn task
      Await.until("the clients read the three frames", () -> received.size() == 3);

      assertThat(flushedWithinTheTurn).as("written, not flushed during the turn").containsExactly(0, 0);
      assertThat(flushes).as("one flush per socket").containsExactly(1, 1);
      assertThat(received).containsExactlyInAnyOrder("one", "two", "three");
      server.close().sync();
    } finally {
      loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
    }
  }

  @ChannelHandler.Sharable
  private static final class Reader extends ChannelInboundHandlerAdapter {
    private final List<Object> received;

    Reader(List<Object> received) {
      this.received = received;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf bytes = (ByteBuf) msg; // the local transport may hand several written frames over as one
      try {
        while (bytes.isReadable()) {
          int length = bytes.getByte(bytes.readerIndex() + 1) & 0x7F; // short frames only, here
          received.add(text(bytes.readRetainedSlice(2 + length)));
        }
      } finally {
        bytes.release();
      }
    }
  }

  private static ChannelOutboundHandlerAdapter flushCounter(int[] flushes, int index) {
    return new ChannelOutboundHandlerAdapter() {
      @Override
      public void flush(ChannelHandlerContext ctx) {
        flushes[index]++;
        ctx.flush();
      }
    };
  }

  @Test
  void whatWaitsIsChargedAndGoesOutInOrderOnceTheClientReadsAgain() {
    BufferBudget budget = new BufferBudget(1_000_000);
    PeerSocket socket = new PeerSocket(1 << 20, false, BOUND, budget, metrics);
    EmbeddedChannel channel = channel(socket, "a");
    stopReading(channel, true);
    socket.sendText(ServerMetrics.Frame.DATA, "one");
    socket.sendText(ServerMetrics.Frame.DATA, "two");
    assertThat(channel.outboundMessages()).isEmpty();
    assertThat(budget.held()).isEqualTo(2 * (2 + 3)); // header and payload of each wire frame
    assertThat(budget.framesHeld()).isEqualTo(2 * (2 + 3));
    stopReading(channel, false);
    assertThat(text(channel.readOutbound())).isEqualTo("one");
    assertThat(text(channel.readOutbound())).isEqualTo("two");
    assertThat(budget.held()).isZero();
    assertThat(budget.framesHeld()).isZero(); // written and released
  }

  @Test
  void pongsCountAgainstTheBoundOfAClientThatDoesNotRead() {
    BufferBudget budget = new BufferBudget(1_000_000);
    PeerSocket socket = new PeerSocket(1 << 20, false, BOUND, budget, metrics);
    EmbeddedChannel channel = channel(socket, "flooder");
    stopReading(channel, true);
    for (int i = 0; i < 100 && events.isEmpty(); i++) {
      channel.writeInbound(new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[125])));
    }
    assertThat(events).containsExactly("flooder too slow: more than 10000 bytes waiting to be sent to it");
    assertThat(budget.held()).as("what waited is dropped at once").isZero();
  }

  @Test
  void aCloseDropsWhatWaitsSoTheCloseFrameIsNextOut() {
    BufferBudget budget = new BufferBudget(1_000_000);
    PeerSocket socket = new PeerSocket(1 << 20, false, BOUND, budget, metrics);
    EmbeddedChannel channel = channel(socket, "a");
    stopReading(channel, true);
    socket.sendText(ServerMetrics.Frame.DATA, "queued 1");
    socket.sendText(ServerMetrics.Frame.DATA, "queued 2");
    socket.close((short) 1013, "Receiver too slow");
    assertThat(budget.held()).isZero();
    channel.runPendingTasks(); // the turn's flush
    CloseWebSocketFrame close = channel.readOutbound();
    assertThat(close.statusCode()).isEqualTo(1013);
    close.release();
    stopReading(channel, false);
    assertThat(drainOutbound(channel)).isZero(); // the queued frames never follow
  }

  @Test
  void theBudgetShedsTheBiggestOutgoingHoldersUntilTheExcessIsCovered() {
    BufferBudget budget = new BufferBudget(4_500, () -> Long.MAX_VALUE); // memory taken to be as charged
    PeerSocket small = new PeerSocket(1 << 20, false, BOUND, budget, metrics);
    PeerSocket big = new PeerSocket(1 << 20, false, BOUND, budget, metrics);
    EmbeddedChannel smallChannel = channel(small, "small");
    EmbeddedChannel bigChannel = channel(big, "big");
    stopReading(smallChannel, true);
    stopReading(bigChannel, true);
    small.sendText(ServerMetrics.Frame.DATA, "s".repeat(500));
    big.sendText(ServerMetrics.Frame.DATA, "b".repeat(2_000));
    assertThat(events).isEmpty();
    big.sendText(ServerMetrics.Frame.DATA, "b".repeat(2_000)); // the total passes the budget by about 40 bytes
    bigChannel.runPendingTasks();
    smallChannel.runPendingTasks();
    assertThat(events).containsExactly(
        "big too slow: the server's buffer budget (4500 bytes) is spent and it held 4008 of them");
    assertThat(budget.held()).isEqualTo(504);
  }

  @Test
  void aFrameSentToManyCountsOnceAgainstTheBudgetUntilTheLastOfThemWroteIt() {
    BufferBudget budget = new BufferBudget(1_000_000);
    List<EmbeddedChannel> channels = new ArrayList<>();
    List<PeerSocket> sockets = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      PeerSocket socket = new PeerSocket(1 << 20, false, BOUND, budget, metrics);
      channels.add(channel(socket, "r" + i));
      sockets.add(socket);
      stopReading(channels.get(i), true);
    }
    SharedFrame frame = new SharedFrame(WireFrames.text("x".repeat(1_000).getBytes(StandardCharsets.UTF_8)));
    for (PeerSocket socket : sockets) {
      socket.sendFrame(ServerMetrics.Frame.DATA, frame.retain());
    }
    frame.release(); // the fan-out is done with it; the receivers still hold it
    assertThat(budget.framesHeld()).isEqualTo(1_004); // once
    assertThat(budget.held()).isEqualTo(3 * 1_004); // each receiver's backlog
    stopReading(channels.get(0), false);
    stopReading(channels.get(1), false);
    drainOutbound(channels.get(0));
    drainOutbound(channels.get(1));
    assertThat(budget.framesHeld()).isEqualTo(1_004); // the third still holds it
    stopReading(channels.get(2), false);
    drainOutbound(channels.get(2));
    assertThat(budget.framesHeld()).isZero();
    assertThat(budget.held()).isZero();
  }

  @Test
  void chargesOverTheBudgetShedNobodyWhileTheMemoryReallyInUseIsWithinIt() {
    // one shared 2,000-byte frame queued for two receivers: 4,000 bytes of charges, 2,000 of memory
    BufferBudget budget = new BufferBudget(3_000, () -> 2_000);
    PeerSocket first = new PeerSocket(1 << 20, false, BOUND, budget, metrics);
    PeerSocket second = new PeerSocket(1 << 20, false, BOUND, budget, metrics);
    EmbeddedChannel firstChannel = channel(first, "first");
    EmbeddedChannel secondChannel = channel(second, "second");
    stopReading(firstChannel, true);
    stopReading(secondChannel, true);
    first.sendText(ServerMetrics.Frame.DATA, "d".repeat(2_000));
    second.sendText(ServerMetrics.Frame.DATA, "d".repeat(2_000));
    firstChannel.runPendingTasks();
    secondChannel.runPendingTasks();
    assertThat(budget.held()).isGreaterThan(3_000);
    assertThat(events).isEmpty();
  }

  @Test
  void aConnectionThatGoesAwayReturnsEverythingItHeld() {
    BufferBudget budget = new BufferBudget(1_000_000);
    PeerSocket socket = new PeerSocket(1 << 20, false, BOUND, budget, metrics);
    EmbeddedChannel channel = channel(socket, "a");
    stopReading(channel, true);
    socket.sendText(ServerMetrics.Frame.DATA, "waiting");
    assertThat(budget.held()).isPositive();
    channel.close();
    assertThat(budget.held()).isZero();
    assertThat(events).containsExactly("a closed");
  }

  @Test
  void writtenFramesAndEachSocketsCloseCodeAreCounted() {
    BufferBudget budget = new BufferBudget(1_000_000);
    PeerSocket clientCloses = new PeerSocket(1 << 20, false, BOUND, budget, metrics);
    PeerSocket serverCloses = new PeerSocket(1 << 20, false, BOUND, budget, metrics);
    PeerSocket dropped = new PeerSocket(1 << 20, false, BOUND, budget, metrics);
    EmbeddedChannel first = channel(clientCloses, "a");
    EmbeddedChannel second = channel(serverCloses, "b");
    EmbeddedChannel third = channel(dropped, "c");
    assertThat(metrics.registry().get("kp.connections").gauge().value()).isEqualTo(3);

    clientCloses.sendText(ServerMetrics.Frame.PONG, "{\"type\":\"pong\"}");
    serverCloses.sendText(ServerMetrics.Frame.DATA, "{}");
    serverCloses.sendText(ServerMetrics.Frame.DATA, "{}");
    first.writeInbound(new CloseWebSocketFrame(1000, "bye"));
    serverCloses.close((short) 4001, "Disconnected by the operator");
    serverCloses.sendText(ServerMetrics.Frame.DATA, "{}"); // after the close: not written, not counted
    second.writeInbound(new CloseWebSocketFrame(4001, "")); // the client's answer
    third.close(); // no close frame at all

    assertThat(delivered("pong")).isEqualTo(1);
    assertThat(delivered("data")).isEqualTo(2);
    assertThat(closes("1000")).isEqualTo(1);
    assertThat(closes("4001")).isEqualTo(1);
    assertThat(closes("1006")).isEqualTo(1);
    assertThat(metrics.registry().get("kp.connections").gauge().value()).isZero();
  }

  private double delivered(String type) {
    return metrics.registry().get("kp.messages.delivered").tag("type", type).counter().count();
  }

  private double closes(String code) {
    return metrics.registry().get("kp.websocket.closes").tag("code", code).counter().count();
  }
}
