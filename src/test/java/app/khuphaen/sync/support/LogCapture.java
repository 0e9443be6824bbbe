package app.khuphaen.sync.support;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Collects what one logger writes, for tests that count log lines across the nodes of this JVM. The
 * appender adds under its own monitor (logback's AppenderBase.doAppend), so reads take that one.
 */
public final class LogCapture implements AutoCloseable {
  private final Logger logger;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final ch.qos.logback.classic.Level previousLevel;

  public LogCapture(Class<?> source) {
    this(source.getName());
  }

  public LogCapture(String loggerName) {
    logger = (Logger) LoggerFactory.getLogger(loggerName);
    previousLevel = logger.getLevel();
    appender.start();
    logger.addAppender(appender);
  }

  /** Captures {@code source}'s DEBUG lines too, for as long as it is open. */
  public static LogCapture debug(Class<?> source) {
    LogCapture capture = new LogCapture(source);
    capture.logger.setLevel(ch.qos.logback.classic.Level.DEBUG);
    return capture;
  }

  public List<String> lines() {
    synchronized (appender) {
      return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

  /** The ERROR lines. */
  public List<String> errors() {
    synchronized (appender) {
      return appender.list.stream()
          .filter(e -> e.getLevel() == ch.qos.logback.classic.Level.ERROR)
          .map(ILoggingEvent::getFormattedMessage)
          .toList();
    }
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    logger.setLevel(previousLevel);
  }
}
