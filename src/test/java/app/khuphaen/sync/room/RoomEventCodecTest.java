package app.khuphaen.sync.room;

import app.khuphaen.sync.protocol.ServerMessages;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What crosses between nodes comes out as it went in. */
class RoomEventCodecTest {
  private final RoomEventCodec codec = new RoomEventCodec();

  private RoomEvent roundTrip(RoomEvent event) {
    Buffer wire = Buffer.buffer().appendString("prefix");
    codec.encodeToWire(wire, event);
    return codec.decodeFromWire("prefix".length(), wire);
  }

  @Test
  void dataKeepsItsRoomSenderAndFrame() {
    byte[] frame = ServerMessages.dataUtf8("พี่", "สวัสดี 👋");
    RoomEvent decoded = roundTrip(RoomEvent.data("ROOM01", "พี่", frame));
    assertThat(decoded.room()).isEqualTo("ROOM01");
    assertThat(decoded.excludePeer()).isEqualTo("พี่");
    assertThat(decoded.frame()).isEqualTo(frame);
    assertThat(decoded.isMembership()).isFalse();
    assertThat(decoded.nodes()).isEmpty();
  }

  @Test
  void membershipCarriesItsVersionAndTheRoomsNodes() {
    byte[] frame = "{\"type\":\"peer_left\",\"peer_id\":\"a\"}".getBytes(StandardCharsets.UTF_8);
    RoomEvent decoded = roundTrip(RoomEvent.membership("ROOM01", frame, 42, List.of("node-a", "node-b")));
    assertThat(decoded.version()).isEqualTo(42);
    assertThat(decoded.nodes()).containsExactly("node-a", "node-b");
    assertThat(decoded.excludePeer()).isNull();
    assertThat(decoded.frame()).isEqualTo(frame);
  }

  @Test
  void aDocumentTravelsOnceAndItsFrameIsRebuilt() {
    String document = "{\"tasks\":[\"ไทย\",\"\\\"quoted\\\"\"]}";
    RoomEvent decoded = roundTrip(RoomEvent.document("ROOM01", "host", ServerMessages.documentSyncUtf8(document), document, 99));
    assertThat(decoded.document()).isEqualTo(document);
    assertThat(decoded.stamp()).isEqualTo(99);
    assertThat(decoded.frame()).isEqualTo(ServerMessages.documentSyncUtf8(document));
  }

  @Test
  void closingKeepsItsFlag() {
    RoomEvent decoded = roundTrip(RoomEvent.closing("ROOM01", new byte[] {'{', '}'}));
    assertThat(decoded.closesRoom()).isTrue();
  }
}
