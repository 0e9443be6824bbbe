package app.khuphaen.sync;

import app.khuphaen.sync.cluster.Node;
import app.khuphaen.sync.config.ConfigException;
import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.config.SettingsLoader;
import app.khuphaen.sync.store.StoreException;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import sun.misc.Signal;

import java.io.PrintWriter;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Entry point: {@code java -jar khu-phaen-sync.jar [--config FILE] [--check-config] [--help] [--version]}
 * ({@link CommandLineOptions}). Reads the settings, starts the server, and on SIGTERM or SIGINT stops
 * it gracefully and exits 0.
 */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);
  private static final long STOP_TIMEOUT_SECONDS = 8;

  private Main() {}

  /** Fills {@code cli} from {@code args}; answers --help and --version, and exits 2 on a bad argument. */
  private static void parseArgs(String[] args, CommandLineOptions cli, PrintWriter out) {
    CommandLine parser = new CommandLine(cli).setOut(out);
    try {
      parser.parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      log.error("{} (java -jar khu-phaen-sync.jar --help lists the options)", e.getMessage());
      System.exit(2);
      return;
    }
    if (parser.isUsageHelpRequested()) {
      parser.usage(out);
      out.print(CommandLineOptions.settingsHelp());
      out.flush();
      System.exit(0);
    }
    if (parser.isVersionHelpRequested()) {
      parser.printVersionHelp(out);
      out.flush();
      System.exit(0);
    }
  }

  public static void main(String[] args) throws InterruptedException {
    // Netty defaults this server changes (a -D on the command line still wins): no allocator events
    // for Java Flight Recorder (registering them slows start-up and nobody records them), and pooled
    // buffer memory in smaller chunks (less resident per event loop; frames are small, and a
    // multi-MB document is allocated on its own either way). docs/performance.md has the figures.
    defaultProperty("io.netty.jfr.enabled", "false");
    defaultProperty("io.netty.allocator.maxOrder", "7");
    CommandLineOptions cli = new CommandLineOptions();
    PrintWriter out = new PrintWriter(System.out, true); // the command's own answers: standard output, not the log
    if (args.length > 0) { // picocli only when there is something to parse: it takes 0.2 s to load
      parseArgs(args, cli, out);
    }
    String configFile = cli.configFile();
    if (cli.checkConfig) {
      System.exit(checkConfig(configFile, out));
    }
    Node node = null;
    SyncServer server;
    try {
      VertxOptions options = Node.options(Runtime.getRuntime().availableProcessors());
      // a single node's Vert.x reads the settings; it stays the node unless the settings ask for a cluster
      Node single = Node.single(options);
      Settings settings;
      try {
        settings = SettingsLoader.load(single.vertx(), configFile).await(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        single.close();
        throw e;
      }
      LogConfigurator.apply(settings);
      if (settings.cluster().enabled()) {
        single.close().await(10, TimeUnit.SECONDS);
        node = Node.start(settings, options).await(60, TimeUnit.SECONDS);
      } else {
        node = single;
      }
      server = SyncServer.start(node, settings).await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      if (e instanceof ConfigException || e instanceof StoreException) {
        log.error(e.getMessage()); // a setting or an unreachable database: one clear line
      } else {
        log.error("Server failed to start: {}", e.getMessage(), e);
      }
      if (node != null) {
        node.close();
      }
      System.exit(1);
      return;
    }

    CountDownLatch stopRequested = new CountDownLatch(1);
    Signal.handle(new Signal("TERM"), sig -> stopRequested.countDown());
    Signal.handle(new Signal("INT"), sig -> stopRequested.countDown());
    stopRequested.await();

    log.info("shutting down");
    try {
      Node running = node;
      server.stop().eventually(running::close).await(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      log.info("stopped");
    } catch (Exception e) {
      log.warn("shutdown did not finish cleanly: {}", e.toString());
    }
    System.exit(0);
  }

  private static void defaultProperty(String name, String value) {
    if (System.getProperty(name) == null) {
      System.setProperty(name, value);
    }
  }

  /** {@code --check-config}: the effective settings on standard output, or the one-line error. */
  private static int checkConfig(String configFile, PrintWriter out) {
    Vertx vertx = Vertx.vertx();
    try {
      SettingsLoader.effective(vertx, configFile).await(30, TimeUnit.SECONDS)
          .forEach((name, value) -> out.println(name + (name.startsWith("#") ? ": " : "=") + value));
      out.flush();
      return 0;
    } catch (ConfigException e) {
      log.error(e.getMessage());
      return 1;
    } catch (Exception e) {
      log.error("{}", e.getMessage());
      return 1;
    } finally {
      vertx.close();
    }
  }

}
