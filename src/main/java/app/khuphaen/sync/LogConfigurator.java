package app.khuphaen.sync;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.Logger;

/**
 * The default logging set-up, in code because parsing a logback.xml slows start-up noticeably
 * (docs/performance.md). One line per event; never document or message contents. {@code LOG_LEVEL} sets the root
 * level once the settings are read ({@link Main}); {@code -Dlogback.configurationFile=…} replaces all
 * of this with the user's own file.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class LogConfigurator extends ContextAwareBase implements Configurator {
  static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} %-5level %logger{0} - %msg%n";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stdout = new ConsoleAppender<>();
    stdout.setContext(context);
    stdout.setName("STDOUT");
    stdout.setEncoder(encoder);
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
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
