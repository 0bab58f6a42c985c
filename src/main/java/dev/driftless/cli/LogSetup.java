package dev.driftless.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.LoggerFactory;

/**
 * Logging set up in code (found by logback through ServiceLoader): Driftless prints its own results,
 * libraries speak on stderr only when something is wrong, and no XML is parsed at every start.
 * DRIFTLESS_LOG_LEVEL (e.g. DEBUG) lets a user see more. The agent, which runs unattended, switches to
 * {@link #forAgent}: a timestamped line per event at INFO, or JSON lines for log shippers.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {

    /** How the agent's log lines look. */
    enum Format { text, json }

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        install(context, pattern(context, "%level %logger{0}: %msg%n"), Level.WARN);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /**
     * The agent's logging: Driftless's own events at INFO (libraries stay at WARN), each line with its time
     * ({@code 2026-11-30T09:15:02.114Z INFO Agent: applied commit 3f2a9c1d0e4b on web-1: 2 changed}), or one JSON
     * object per line (logback's JsonEncoder: timestamp, level, loggerName, message, throwable).
     */
    static void forAgent(Format format) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Encoder<ILoggingEvent> encoder;
        if (format == Format.json) {
            JsonEncoder json = new JsonEncoder();
            json.setContext(context);
            json.setWithSequenceNumber(false);
            json.setWithNanoseconds(false);
            json.setWithContext(false);
            json.setWithMessage(false);
            json.setWithArguments(false);
            json.setWithFormattedMessage(true);
            json.start();
            encoder = json;
        } else {
            encoder = pattern(context, "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} %level %logger{0}: %msg%n");
        }
        install(context, encoder, Level.WARN);
        if (System.getenv("DRIFTLESS_LOG_LEVEL") == null) {
            context.getLogger("dev.driftless").setLevel(Level.INFO);
        }
    }

    private static Encoder<ILoggingEvent> pattern(LoggerContext context, String pattern) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(pattern);
        encoder.start();
        return encoder;
    }

    private static void install(LoggerContext context, Encoder<ILoggingEvent> encoder, Level defaultLevel) {
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("stderr");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.setLevel(Level.toLevel(System.getenv("DRIFTLESS_LOG_LEVEL"), defaultLevel));
        root.addAppender(stderr);
    }
}
