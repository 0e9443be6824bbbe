package app.khuphaen.sync.http;

import static net.logstash.logback.argument.StructuredArguments.kv;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * Requests refused as malformed (a bad {@code %} escape, say), and connections refused over
 * MAX_HTTP_CONNECTIONS_PER_IP, are each logged at most once per client address per minute: one
 * client must not be able to flood the log. One per server, shared by the
 * HTTP verticles of every event loop. Thread-safe.
 */
public final class BadRequestLog {
  private static final Logger log = LoggerFactory.getLogger(BadRequestLog.class);
  private static final int MAX_SHOWN = 120;

  private final Cache<String, Boolean> recent = Caffeine.newBuilder()
      .expireAfterWrite(Duration.ofMinutes(1))
      .maximumSize(10_000)
      .build();

  void refused(String client, String method, String uri, Throwable cause) {
    refused(client, method, uri, cause == null ? "bad request" : String.valueOf(cause.getMessage()));
  }

  /** A request refused as malformed, {@code why} in a few words (what the client sent is made printable). */
  void refused(String client, String method, String uri, String why) {
    if (recent.asMap().putIfAbsent(client, Boolean.TRUE) == null) {
      log.warn("{} {} {} refused as malformed: {} (more from this address within a minute are not logged)",
          kv("client", client), method, printable(uri), printable(why));
    }
  }

  void tooManyConnections(String client, int cap) {
    if (recent.asMap().putIfAbsent("connections " + client, Boolean.TRUE) == null) {
      log.warn("{} refused a connection: it holds {} HTTP connections already ({}; more refusals within a"
          + " minute are not logged)", kv("client", client), cap, "MAX_HTTP_CONNECTIONS_PER_IP");
    }
  }

  /** What a client sent, safe for a log line: no control characters, and not too long. */
  static String printable(String text) {
    StringBuilder out = new StringBuilder();
    text.codePoints().limit(MAX_SHOWN).forEach(c -> {
      if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
        out.append(String.format("\\u%04X", c));
      } else {
        out.appendCodePoint(c);
      }
    });
    return text.codePointCount(0, text.length()) > MAX_SHOWN ? out.append('…').toString() : out.toString();
  }
}
