package app.khuphaen.sync;

import app.khuphaen.sync.config.Settings;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * The default logging set-up, in code because parsing a logback.xml slows start-up noticeably
 * (docs/performance.md). One line per event on standard output, as text or, with
 * {@code LOG_FORMAT=json}, as one JSON object per line (logstash-logback-encoder) where the room,
 * peer, connection, node and client a line is about are fields of their own; never document or
 * message contents. The format is taken from the environment at once (so the first lines have it)
 * and set again once the settings are read ({@link Main}), as the level is;
 * {@code -Dlogback.configurationFile=…} replaces all of this with the user's own file.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class LogConfigurator extends ContextAwareBase implements Configurator {
  static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} %-5level %logger{0} - %msg%n";
  private static final String APPENDER = "STDOUT";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    String format = System.getenv(Settings.LOG_FORMAT);
    boolean json = format != null && format.trim().toLowerCase(Locale.ROOT).equals("json");
    ConsoleAppender<ILoggingEvent> stdout = new ConsoleAppender<>();
    stdout.setContext(context);
    stdout.setName(APPENDER);
    stdout.setEncoder(encoder(context, json ? Settings.LogFormat.JSON : Settings.LogFormat.TEXT));
    stdout.start();

    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(stdout);
    context.getLogger("io.netty").setLevel(Level.WARN);
    context.getLogger("com.hazelcast").setLevel(Level.WARN);
    // store failures are logged once per burst by StoreHealth; the pool's own retries would repeat them
    context.getLogger("com.zaxxer.hikari").setLevel(Level.ERROR);
    // when a room's last local peer leaves, its events still in flight are dropped by design;
    // Vert.x would warn once per event
    context.getLogger("io.vertx.core.eventbus.impl.MessageConsumerImpl").setLevel(Level.ERROR);
    // vertx-micrometer-metrics registers its event-bus handler gauge once per address, all sharing
    // one counter by design; Micrometer warns about the repeat at every start as if it were a fault
    context.getLogger("io.micrometer.core.instrument.MeterRegistry").setLevel(Level.ERROR);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** Applies LOG_LEVEL and LOG_FORMAT once the settings are read (unless the user's own file rules). */
  static void apply(Settings settings) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(settings.logLevel(), Level.INFO));
    if (root.getAppender(APPENDER) instanceof ConsoleAppender<ILoggingEvent> stdout) {
      boolean isJson = stdout.getEncoder() instanceof LogstashEncoder;
      if (isJson != (settings.logFormat() == Settings.LogFormat.JSON)) {
        stdout.stop();
        stdout.setEncoder(encoder(context, settings.logFormat()));
        stdout.start();
      }
    }
  }

  private static Encoder<ILoggingEvent> encoder(LoggerContext context, Settings.LogFormat format) {
    if (format == Settings.LogFormat.JSON) {
      LogstashEncoder json = new LogstashEncoder();
      json.setContext(context);
      json.getFieldNames().setTimestamp("timestamp");
      json.getFieldNames().setLogger("logger");
      json.getFieldNames().setThread("[ignore]");
      json.getFieldNames().setLevelValue("[ignore]");
      json.getFieldNames().setVersion("[ignore]");
      json.start();
      return json;
    }
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setContext(context);
    text.setPattern(PATTERN);
    text.start();
    return text;
  }
}
