package app.khuphaen.sync.hardening;

import app.khuphaen.sync.support.LogCapture;
import app.khuphaen.sync.support.RawHttp;
import app.khuphaen.sync.support.TestServer;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests whose framing is broken or ambiguous (RFC 9112): each is answered with a clear error and
 * ends its connection, and a flood of them costs the log one line per client address a minute, never
 * a stack trace.
 */
class MalformedRequestsTest {
  private static final String HEALTH = "GET /health HTTP/1.1\r\nHost: test\r\n\r\n";

  /** Sends {@code request} on a fresh connection; answers the response, having seen the connection end after it. */
  private static RawHttp.Response refused(TestServer server, String from, String request) throws Exception {
    try (RawHttp client = RawHttp.connect(from, server.port)) {
      client.send(request);
      RawHttp.Response response = client.readResponse();
      assertThat(response.head().toLowerCase()).contains("connection: close");
      assertThat(client.awaitEnd()).as("the connection ends after the answer").isTrue();
      return response;
    }
  }

  @Test
  void aFloodOfMalformedBodiesCostsTheLogOneLinePerAddressAMinute() throws Exception {
    try (LogCapture logs = new LogCapture(org.slf4j.Logger.ROOT_LOGGER_NAME); TestServer server = TestServer.start()) {
      for (int i = 0; i < 200; i++) {
        String path = i % 2 == 0 ? "POST /api/rooms" : "GET /health";
        try (RawHttp client = RawHttp.connect("127.0.0.5", server.port)) {
          client.send(path + " HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
          client.readResponse(); // 400, or /health's answer when it was out before the body failed
          assertThat(client.awaitEnd()).isTrue();
        }
      }
      RawHttp.Response answer = refused(server, "127.0.0.6",
          "POST /api/rooms HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
      assertThat(answer.status()).isEqualTo(400);
      assertThat(answer.body()).isEqualTo("{\"success\":false,\"error\":\"Bad request\"}");
      // the server still serves, the next request on a good connection as ever
      try (RawHttp client = RawHttp.connect("127.0.0.5", server.port)) {
        client.send(HEALTH);
        assertThat(client.readResponse().status()).isEqualTo(200);
      }
      List<String> malformed = logs.lines().stream().filter(l -> l.contains("refused as malformed")).toList();
      assertThat(malformed).hasSize(2); // one for each of the two addresses
      assertThat(malformed.get(0)).contains("client=127.0.0.5", "unreadable body");
      assertThat(logs.errors()).isEmpty();
    }
  }

  @Test
  void bothContentLengthAndTransferEncodingAreRefusedAndTheConnectionEnds() throws Exception {
    try (TestServer server = TestServer.start()) {
      // a smuggling attempt: the second request must never be served from inside the first one's body
      RawHttp.Response response = refused(server, "127.0.0.1", "POST /api/rooms HTTP/1.1\r\nHost: test\r\n"
          + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n" + HEALTH);
      assertThat(response.status()).isEqualTo(400);
      assertThat(server.http.get("/health").json().getInteger("rooms")).as("no room made").isZero();
    }
  }

  @Test
  void anUnknownTransferCodingIsNotImplemented() throws Exception {
    try (TestServer server = TestServer.start()) {
      RawHttp.Response response = refused(server, "127.0.0.1", "POST /api/rooms HTTP/1.1\r\nHost: test\r\n"
          + "Content-Length: 2\r\nTransfer-Encoding: gzip\r\n\r\n{}");
      assertThat(response.status()).isEqualTo(501);
      assertThat(response.body()).contains("Transfer coding not supported");
      assertThat(server.http.get("/health").json().getInteger("rooms")).isZero();
    }
  }

  /** What Vert.x's own decoder refuses stays its answer: 414, 431 and 400, each without an error logged. */
  @Test
  void anUnreadableRequestHeadIsAnsweredAsBefore() throws Exception {
    try (LogCapture logs = new LogCapture(org.slf4j.Logger.ROOT_LOGGER_NAME); TestServer server = TestServer.start()) {
      assertThat(answer(server, "GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: test\r\n\r\n")).isEqualTo(414);
      assertThat(answer(server, "GET /health HTTP/1.1\r\nHost: test\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n"))
          .isEqualTo(431);
      assertThat(answer(server, "GET /health HTTP/1.1\r\nHost: test\r\nNo colon here\r\n\r\n")).isEqualTo(400);
      assertThat(logs.errors()).isEmpty();
    }
  }

  /** The one answer to {@code request}: the connection ends after it, with nothing more. */
  private static int answer(TestServer server, String request) throws Exception {
    try (RawHttp client = RawHttp.connect(server.port)) {
      client.send(request);
      int status = client.readResponse().status();
      assertThat(client.awaitEnd()).as("nothing after the answer").isTrue();
      return status;
    }
  }

  @Test
  void twoHostHeadersAreABadRequest() throws Exception {
    try (TestServer server = TestServer.start()) {
      RawHttp.Response response = refused(server, "127.0.0.1", "GET /health HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n");
      assertThat(response.status()).isEqualTo(400);
    }
  }
}
