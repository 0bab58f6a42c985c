package dev.driftless.apply;

import dev.driftless.plan.HandlerRun;
import java.time.Duration;
import java.util.Optional;

/**
 * How one handler ran in an apply: which handler (service, name, command), how it ended, and the end of its
 * output, bounded and with the repository's secret values masked. Every report of the apply (the CLI's text
 * and JSON, the agent's history, log and notifications) is made from these.
 */
public record HandlerResult(HandlerRun handler, Ending ending, OutputTail output) {

    /** How a handler's command ended: one of a closed set. */
    public sealed interface Ending permits Exited, TimedOut, NotRun {
    }

    /** It exited by itself with this code; 0 means it succeeded. */
    public record Exited(int code) implements Ending {
    }

    /** It ran longer than the handler timeout, and it and the processes it started were stopped. */
    public record TimedOut(Duration after) implements Ending {
    }

    /** The host could not run it at all (the connection was lost, the shell could not start); masked. */
    public record NotRun(String reason) implements Ending {
    }

    public boolean succeeded() {
        return ending instanceof Exited exited && exited.code() == 0;
    }

    /** The exit code, when the handler exited by itself. */
    public Optional<Integer> exitCode() {
        return ending instanceof Exited exited ? Optional.of(exited.code()) : Optional.empty();
    }

    /** How it ended, in the words every report uses: {@code ok}, {@code failed (exit 3)}, {@code timed out after 5m}. */
    public String verdict() {
        if (ending instanceof Exited exited) {
            return exited.code() == 0 ? "ok" : "failed (exit " + exited.code() + ")";
        }
        if (ending instanceof TimedOut timedOut) {
            return "timed out after " + shortly(timedOut.after());
        }
        return "could not run: " + ((NotRun) ending).reason();
    }

    /** {@code 5m}, {@code 90s}, {@code 1h}, {@code 1500ms}: as {@code --handler-timeout} is written. */
    private static String shortly(Duration duration) {
        long millis = duration.toMillis();
        long[] sizes = {3_600_000, 60_000, 1000};
        String[] units = {"h", "m", "s"};
        for (int i = 0; i < sizes.length; i++) {
            if (millis > 0 && millis % sizes[i] == 0) {
                return millis / sizes[i] + units[i];
            }
        }
        return millis + "ms";
    }
}
