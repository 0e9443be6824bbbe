package app.khuphaen.sync.room;

import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.protocol.ClientMessage;
import app.khuphaen.sync.protocol.ClientMessageParser;
import app.khuphaen.sync.protocol.InvalidMessageException;
import app.khuphaen.sync.protocol.ServerMessages;
import app.khuphaen.sync.protocol.Utf8;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
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

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The app's document frame, from the sender's bytes to the bytes every receiver gets: a 2 MB task
 * list (a JSON text inside the JSON message, so full of escaped quotes, with Thai), as the server
 * relays it now (UTF-8 check, byte scan, one copy into the outgoing frame) and as it did before
 * (decode into a String, parse the document out as another String, escape it into a new frame).
 * Run: {@code ./mvnw -Pjmh test-compile exec:exec -Djmh.benchmarks=DocumentPath}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DocumentPathBenchmark {
  private static final ClientMessageParser PARSER =
      new ClientMessageParser(Settings.defaults().limits().maxNestingDepth(), Settings.defaults().limits().maxMetadataBytes());
  private static final JsonFactory JSON = new JsonFactory();

  private ByteBuf clientFrame;

  @Setup(Level.Trial)
  public void setUp() {
    JsonArray tasks = new JsonArray();
    for (int i = 0, length = 0; length < 2_000_000; i++) {
      JsonObject task = new JsonObject().put("id", "task-" + i).put("title", "ซื้อของ #" + i + " \"urgent\"")
          .put("done", i % 3 == 0).put("tags", new JsonArray().add("home").add("งาน"));
      tasks.add(task);
      length += task.encode().length() + 1;
    }
    String document = new JsonObject().put("tasks", tasks).encode();
    String message = new JsonObject().put("action", "sync_document").put("document", document).encode();
    clientFrame = Unpooled.directBuffer().writeBytes(message.getBytes(StandardCharsets.UTF_8));
  }

  /** Now: the bytes copied out and checked, the document found in them, the outgoing frame built around it. */
  @Benchmark
  public byte[] relayAsReceived() throws InvalidMessageException {
    byte[] frame = ByteBufUtil.getBytes(clientFrame);
    if (!Utf8.isValid(frame)) {
      throw new IllegalStateException();
    }
    ClientMessage.SyncDocument sync = (ClientMessage.SyncDocument) PARSER.parse(frame);
    return ServerMessages.documentSync(sync.document());
  }

  /** Before: a String of the frame, the document parsed out as another, escaped again into the frame. */
  @Benchmark
  public byte[] decodeAndEscapeAgain() throws IOException {
    String text = clientFrame.toString(StandardCharsets.UTF_8);
    String document = null;
    try (JsonParser parser = JSON.createParser(text)) {
      parser.nextToken();
      for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
        parser.nextToken();
        if (name.equals("document")) {
          document = parser.getText();
        }
      }
    }
    ByteArrayBuilder out = new ByteArrayBuilder(64 + document.length());
    try (JsonGenerator json = JSON.createGenerator(out)) {
      json.writeStartObject();
      json.writeStringField("type", "document_sync");
      json.writeStringField("document", document);
      json.writeEndObject();
    }
    return out.toByteArray();
  }
}
