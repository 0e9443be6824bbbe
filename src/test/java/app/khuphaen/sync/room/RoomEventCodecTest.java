package app.khuphaen.sync.room;

import app.khuphaen.sync.model.JsonString;
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
    byte[] frame = ServerMessages.data("พี่", JsonString.of("สวัสดี 👋"));
    RoomEvent decoded = roundTrip(RoomEvent.data("ROOM01", "พี่", frame));
    assertThat(decoded).isInstanceOf(RoomEvent.Data.class);
    RoomEvent.Data data = (RoomEvent.Data) decoded;
    assertThat(data.room()).isEqualTo("ROOM01");
    assertThat(data.from()).isEqualTo("พี่");
    assertThat(data.frame()).isEqualTo(frame);
    assertThat(data.isFor("พี่")).isFalse();
    assertThat(data.isFor("other")).isTrue();
  }

  @Test
  void membershipCarriesItsVersionAndTheRoomsNodes() {
    byte[] frame = "{\"type\":\"peer_left\",\"peer_id\":\"a\"}".getBytes(StandardCharsets.UTF_8);
    RoomEvent decoded = roundTrip(RoomEvent.membership("ROOM01", frame, false, 42, List.of("node-a", "node-b")));
    assertThat(decoded).isInstanceOf(RoomEvent.Membership.class);
    RoomEvent.Membership membership = (RoomEvent.Membership) decoded;
    assertThat(membership.version()).isEqualTo(42);
    assertThat(membership.joined()).isFalse();
    assertThat(membership.nodes()).containsExactly("node-a", "node-b");
    assertThat(membership.isFor("anyone")).isTrue();
    assertThat(membership.frame()).isEqualTo(frame);
  }

  @Test
  void anOperatorsDisconnectIsForThatPeerOnly() {
    byte[] frame = "{\"type\":\"error\",\"message\":\"Disconnected by the operator\"}".getBytes(StandardCharsets.UTF_8);
    RoomEvent decoded = roundTrip(RoomEvent.disconnect("ROOM01", "พี่", frame));
    assertThat(decoded).isInstanceOf(RoomEvent.Disconnect.class);
    assertThat(decoded.room()).isEqualTo("ROOM01");
    assertThat(decoded.frame()).isEqualTo(frame);
    assertThat(decoded.isFor("พี่")).isTrue();
    assertThat(decoded.isFor("other")).isFalse();
  }

  @Test
  void aDocumentTravelsAsItsFrameAndIsFoundInItAgain() {
    String document = "{\"tasks\":[\"ไทย\",\"\\\"quoted\\\"\"]}";
    byte[] frame = ServerMessages.documentSync(JsonString.of(document));
    RoomEvent decoded = roundTrip(RoomEvent.document("ROOM01", "host", frame, JsonString.of(document), 99));
    assertThat(decoded).isInstanceOf(RoomEvent.Document.class);
    RoomEvent.Document sync = (RoomEvent.Document) decoded;
    assertThat(sync.document()).isEqualTo(JsonString.of(document));
    assertThat(sync.document().decode()).isEqualTo(document);
    assertThat(sync.stamp()).isEqualTo(99);
    assertThat(sync.from()).isEqualTo("host");
    assertThat(sync.frame()).isEqualTo(frame);
  }

  @Test
  void closingStaysClosing() {
    RoomEvent decoded = roundTrip(RoomEvent.closing("ROOM01", new byte[] {'{', '}'}));
    assertThat(decoded).isInstanceOf(RoomEvent.Closing.class);
    assertThat(decoded.frame()).containsExactly('{', '}');
  }
}
