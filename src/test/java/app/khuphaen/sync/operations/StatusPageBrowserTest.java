package app.khuphaen.sync.operations;

import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.support.Messages;
import app.khuphaen.sync.support.TestServer;
import app.khuphaen.sync.support.WsClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The status page in a real browser: headless Chromium loads /status#token=… from a running server
 * with rooms and peers, runs its script (polling included: virtual time runs ahead while no request
 * is pending) and the test reads the DOM it built. Screenshots, laptop and phone sized, are kept in
 * target/. Skipped where Chromium is not installed ({@code apt-get install -y chromium}; CI has it).
 */
class StatusPageBrowserTest {
  private static final String TOKEN = "status-page-token-0123456789";
  private static String chromium;

  @BeforeAll
  static void findChromium() {
    chromium = Stream.of("chromium", "chromium-browser", "google-chrome")
        .flatMap(name -> Stream.of(System.getenv("PATH").split(File.pathSeparator)).map(dir -> Path.of(dir, name)))
        .filter(Files::isExecutable).map(Path::toString).findFirst().orElse(null);
    assumeTrue(chromium != null, "Chromium is not installed (apt-get install -y chromium): the status page's browser test is skipped");
  }

  @Test
  void theStatusPageShowsTheRoomsTheirPeersAndALiveChart() throws Exception {
    try (TestServer server = TestServer.start(new JsonObject().put(Settings.ADMIN_TOKEN, TOKEN));
         WsClient a = server.connect(); WsClient b = server.connect(); WsClient c = server.connect()) {
      server.createRoom("STAT01");
      server.createRoom("STAT02");
      a.join("STAT01", "alice", true);
      b.join("STAT01", "bob", false);
      c.join("STAT02", "carol", true);
      a.next("peer_joined");
      for (int i = 0; i < 20; i++) {
        a.send(Messages.broadcast("hello " + i));
        b.next("data");
      }
      String url = "http://127.0.0.1:" + server.port + "/status#token=" + TOKEN;
      Path laptop = Path.of("target", "status-page.png").toAbsolutePath();
      Path phone = Path.of("target", "status-page-phone.png").toAbsolutePath();
      String dom;
      // traffic while the page watches, for its chart (b's inbox takes it); from the event loop, so
      // written without waiting for the write
      String tick = Messages.broadcast("tick").encode();
      long traffic = server.vertx.setPeriodic(20, id -> a.trySendText(tick));
      try {
        dom = run("--dump-dom", "--virtual-time-budget=9000", url);
        run("--screenshot=" + laptop, "--window-size=1280,900", "--virtual-time-budget=9000", url);
        run("--screenshot=" + phone, "--window-size=390,844", "--virtual-time-budget=9000", url);
      } finally {
        server.vertx.cancelTimer(traffic);
      }

      assertThat(section(dom, "main", "dashboard")).as("the dashboard is shown").doesNotContain(" hidden");
      assertThat(peerCount(dom, "STAT01")).isEqualTo("2");
      assertThat(peerCount(dom, "STAT02")).isEqualTo("1");
      assertThat(dom).contains(">alice (host)<", ">bob<", ">carol (host)<");
      Matcher line = Pattern.compile("<polyline id=\"line-delivered\"[^>]*points=\"([^\"]+)\"").matcher(dom);
      assertThat(line.find()).as("the chart has points").isTrue();
      assertThat(line.group(1).trim().split(" ")).hasSizeGreaterThanOrEqualTo(2);
      assertThat(dom).doesNotContain(TOKEN); // the fragment is gone from the page's address
      assertThat(Files.size(laptop)).isPositive();
      assertThat(Files.size(phone)).isPositive();
    }
  }

  @Test
  void withoutAdminTokenThePageSaysTheAdminApiIsDisabled() throws Exception {
    try (TestServer server = TestServer.start()) {
      String dom = run("--dump-dom", "--virtual-time-budget=5000", "http://127.0.0.1:" + server.port + "/status");
      assertThat(section(dom, "section", "disabled")).doesNotContain(" hidden").contains("Admin API disabled");
      assertThat(section(dom, "section", "login")).contains(" hidden");
    }
  }

  /** The opening tag of the element with {@code id}, and what follows it. */
  private static String section(String dom, String tag, String id) {
    int at = dom.indexOf("<" + tag + " id=\"" + id + "\"");
    assertThat(at).as("element #%s in the page", id).isNotNegative();
    return dom.substring(at, Math.min(dom.length(), at + 400));
  }

  private static String peerCount(String dom, String room) {
    Matcher row = Pattern.compile("<tr data-room=\"" + room + "\">.*?<span class=\"peer-count\">(\\d+)</span>", Pattern.DOTALL)
        .matcher(dom);
    assertThat(row.find()).as("a row for room %s", room).isTrue();
    return row.group(1);
  }

  /** Runs headless Chromium with a profile of its own; answers what it printed. */
  private static String run(String... args) throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory("kp-chromium-");
    try {
      List<String> command = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu",
          "--no-first-run", "--disable-extensions", "--user-data-dir=" + profile));
      command.addAll(List.of(args));
      Path output = profile.resolve("stdout.txt");
      Process process = new ProcessBuilder(command).redirectOutput(output.toFile())
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("Chromium finished").isTrue();
      assertThat(process.exitValue()).as("Chromium's exit code").isZero();
      return Files.readString(output, StandardCharsets.UTF_8);
    } finally {
      TestServer.deleteRecursively(profile);
    }
  }
}
