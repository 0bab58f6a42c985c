package dev.driftless.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Everything Driftless logs while it is open, down to DEBUG, as a user or a log shipper would read it. */
public final class CapturedLogs implements AutoCloseable {

    private final Logger logger;
    private final Level previous;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private CapturedLogs() {
        logger = (Logger) LoggerFactory.getLogger("dev.driftless");
        previous = logger.getLevel();
        appender.setContext(logger.getLoggerContext());
        appender.start();
        logger.addAppender(appender);
        logger.setLevel(Level.DEBUG);
    }

    public static CapturedLogs start() {
        return new CapturedLogs();
    }

    /** Each line logged so far: level, message with its arguments, and the messages of an attached exception. */
    public List<String> lines() {
        List<String> lines = new ArrayList<>();
        synchronized (appender) { // AppenderBase appends under this lock
            for (ILoggingEvent event : appender.list) {
                StringBuilder line = new StringBuilder(event.getLevel() + " " + event.getFormattedMessage());
                for (IThrowableProxy cause = event.getThrowableProxy(); cause != null; cause = cause.getCause()) {
                    line.append(" | ").append(cause.getClassName()).append(": ").append(cause.getMessage());
                }
                lines.add(line.toString());
            }
        }
        return lines;
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        logger.setLevel(previous);
        appender.stop();
    }
}
