package app.khuphaen.sync;

import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.support.Await;
import app.khuphaen.sync.support.TestServer;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Per-message deflate as a browser does it: headless Chromium opens two sockets to a server with
 * WS_COMPRESSION=true, accepts the answer the server always gives (server_no_context_takeover and
 * client_no_context_takeover, the second one unasked, as RFC 7692 lets a server), and syncs three
 * large task lists that it compresses itself; the other tab gets each whole, and request_sync the
 * latest. The page reports to a small HTTP server of the test's. Skipped where Chromium is not
 * installed ({@code apt-get install -y chromium}; CI has it).
 */
class PerMessageDeflateBrowserTest {

  @Test
  void aBrowserAcceptsTheNegotiationAndItsCompressedTaskListsArriveWhole() throws Exception {
    String chromium = Stream.of("chromium", "chromium-browser", "google-chrome")
        .flatMap(name -> Stream.of(System.getenv("PATH").split(File.pathSeparator)).map(dir -> Path.of(dir, name)))
        .filter(Files::isExecutable).map(Path::toString).findFirst().orElse(null);
    assumeTrue(chromium != null, "Chromium is not installed (apt-get install -y chromium): the deflate browser test is skipped");
    Path dir = Files.createTempDirectory("kp-deflate-browser-");
    try (TestServer server = TestServer.start(new JsonObject().put(Settings.WS_COMPRESSION, true))) {
      server.createRoom("DEFLBR");
      Promise<String> report = Promise.promise();
      HttpServer collector = Await.result(server.vertx.createHttpServer()
          .requestHandler(request -> {
            report.tryComplete(request.getParam("r"));
            request.response().end();
          })
          .listen(0, "127.0.0.1"));
      Path page = dir.resolve("page.html");
      Files.writeString(page, page(server.port, collector.actualPort()));
      Process browser = new ProcessBuilder(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu",
          "--no-first-run", "--disable-extensions", "--disable-background-networking", "--disable-component-update",
          "--disable-sync", "--user-data-dir=" + dir.resolve("profile"), page.toUri().toString()))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      try {
        String result = Await.result(report.future(), 60);
        assertThat(result).contains("ext=permessage-deflate; server_no_context_takeover; client_no_context_takeover")
            .contains("doc 1 whole", "doc 2 whole", "doc 3 whole", "latest on request_sync")
            .doesNotContain("error", "closed", "timed out");
      } finally {
        browser.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        collector.close();
      }
    } finally {
      TestServer.deleteRecursively(dir);
    }
  }

  /** Two tabs' worth of sockets in one page; the log goes to the collector once done. */
  private static String page(int port, int collector) {
    return """
        <!doctype html><html><body><script>
        const log = [];
        const big = JSON.stringify({tasks: Array.from({length: 3000}, (_, i) => ({title: 'งานบ้าน ✅ ' + i, done: i %% 2 === 0}))});
        const a = new WebSocket('ws://127.0.0.1:%d/ws'), b = new WebSocket('ws://127.0.0.1:%d/ws');
        let opened = 0, synced = 0;
        function report() {
          if (window.reported) return;
          window.reported = true;
          new Image().src = 'http://127.0.0.1:%d/?r=' + encodeURIComponent(log.join(' | '));
        }
        function both() { // a joins, then b (so that a hears b join), then a syncs
          if (++opened < 2) return;
          log.push('ext=' + a.extensions);
          a.send(JSON.stringify({action: 'join', room_code: 'DEFLBR', peer_id: 'a', is_host: true}));
        }
        a.onopen = both;
        b.onopen = both;
        a.onmessage = e => {
          const m = JSON.parse(e.data);
          if (m.type === 'connected') {
            b.send(JSON.stringify({action: 'join', room_code: 'DEFLBR', peer_id: 'b', is_host: false}));
          } else if (m.type === 'peer_joined' && m.peer.id === 'b') {
            for (let i = 0; i < 3; i++) a.send(JSON.stringify({action: 'sync_document', document: big + i}));
          }
        };
        setTimeout(() => { log.push('timed out'); report(); }, 30000);
        b.onmessage = e => {
          const m = JSON.parse(e.data);
          if (m.type !== 'document_sync') return;
          if (synced < 3) {
            log.push('doc ' + (synced + 1) + (m.document === big + synced ? ' whole' : ' wrong'));
            if (++synced === 3) b.send(JSON.stringify({action: 'request_sync'}));
          } else {
            log.push(m.document === big + 2 ? 'latest on request_sync' : 'not the latest on request_sync');
            report();
          }
        };
        a.onerror = b.onerror = () => { log.push('error'); report(); };
        a.onclose = b.onclose = e => { log.push('closed ' + e.code); report(); };
        </script></body></html>
        """.formatted(port, port, collector);
  }
}
