package dev.driftless.render;

import io.pebbletemplates.pebble.error.PebbleException;
import java.util.Optional;

/**
 * The time and size the file being rendered may still use. A thread cannot be stopped from outside,
 * so the rendering thread asks here itself: the range iterator at every step, a checkpoint at the
 * start of every loop body and macro, every filter and function, the output writer on every write,
 * and whatever builds a text or a list before it builds it. One per {@link Renderer}, one file at a
 * time.
 */
final class RenderBudget {

    /** What stopped a rendering. */
    enum Reason { TIME, OUTPUT, VALUE, SHUTDOWN }

    /** Thrown in the rendering thread when a limit is reached; Pebble passes it on, at most wrapped. */
    static final class Exceeded extends PebbleException {

        private final Reason reason;

        Exceeded(Reason reason, String template, int line) {
            super(null, "render limit: " + reason, line > 0 ? line : null, template);
            this.reason = reason;
        }

        Reason reason() {
            return reason;
        }
    }

    // a list or map counts this many bytes per entry against the size limit: a reference and a little
    static final int BYTES_PER_ENTRY = 8;

    // Pebble's own size check (which also counts what macros build) words its failure so
    private static final String PEBBLE_SIZE_MESSAGE = "Tried to write more than";

    private final RenderLimits limits;
    private long deadline;
    private long written;
    private String template = "";
    private int line;
    private boolean shutDown;

    RenderBudget(RenderLimits limits) {
        this.limits = limits;
    }

    RenderLimits limits() {
        return limits;
    }

    /** A new file, {@code template}, starts rendering with the whole budget. */
    void start(String template) {
        this.deadline = System.nanoTime() + limits.timePerFile().toNanos();
        this.written = 0;
        this.template = template;
        this.line = 0;
        checkStop();
    }

    /** Stops the rendering when time is up or a stop was asked for; notes where it is. */
    void check(String template, int line) {
        this.template = template;
        this.line = line;
        checkStop();
    }

    private void checkStop() {
        if (shutDown || limits.stopRequested().getAsBoolean()) {
            shutDown = true;
            throw exceeded(Reason.SHUTDOWN);
        }
        if (System.nanoTime() - deadline > 0) {
            throw exceeded(Reason.TIME);
        }
    }

    /** Counts {@code bytes} more of the file's output. */
    void wrote(long bytes) {
        written += bytes;
        if (written > limits.bytesPerFile()) {
            throw exceeded(Reason.OUTPUT);
        }
        checkStop();
    }

    /** Refuses to build a text of {@code chars} characters above the size limit. */
    void holdText(long chars, String template, int line) {
        if (chars > limits.bytesPerFile()) {
            throw new Exceeded(Reason.VALUE, template, line);
        }
    }

    /** Refuses to build a list or map of {@code entries} above the size limit. */
    void holdEntries(long entries, String template, int line) {
        if (entries > limits.bytesPerFile() / BYTES_PER_ENTRY) {
            throw new Exceeded(Reason.VALUE, template, line);
        }
    }

    /** Whether a stop was asked for: no further file is started. */
    boolean shutDown() {
        return shutDown;
    }

    /** What Pebble may write in all, macros' buffers included (its own check, in characters). */
    int maxRenderedChars() {
        return (int) Math.min(limits.bytesPerFile(), Integer.MAX_VALUE);
    }

    private Exceeded exceeded(Reason reason) {
        return new Exceeded(reason, template, line);
    }

    /** The limit {@code failure} ran into, if it is one: ours, found among its causes, or Pebble's size check. */
    Optional<Exceeded> limitIn(Throwable failure) {
        for (Throwable e = failure; e != null; e = e.getCause()) {
            if (e instanceof Exceeded exceeded) {
                return Optional.of(exceeded);
            }
            if (e instanceof PebbleException pebble && pebble.getPebbleMessage() != null
                    && pebble.getPebbleMessage().startsWith(PEBBLE_SIZE_MESSAGE)) {
                return Optional.of(exceeded(Reason.OUTPUT));
            }
        }
        return Optional.empty();
    }

    /** What a user reads when {@code reason} stopped a file. */
    String describe(Reason reason) {
        return switch (reason) {
            case TIME -> "stopped after " + limits.describeTime() + " (the render limit per file; --render-timeout to"
                    + " change it)";
            case OUTPUT -> "produced more than " + limits.describeSize() + " (the render limit per file;"
                    + " --render-max-size to change it)";
            case VALUE -> "built a text or list of more than " + limits.describeSize() + " (the render limit per"
                    + " file; --render-max-size to change it)";
            case SHUTDOWN -> "rendering stopped: the agent is shutting down";
        };
    }
}
