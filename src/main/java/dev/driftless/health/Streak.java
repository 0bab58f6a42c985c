package dev.driftless.health;

import dev.driftless.model.HealthCheck;
import java.time.Duration;

/**
 * The samples of one check so far, counted as its semantics say: it passes only after {@code successes}
 * passes in a row, and a failure starts the count again, so that one lucky sample never passes a service
 * that crashes and restarts. A pass of another run than the one before (a container restarted in between) counts
 * as the first of a new row.
 */
final class Streak {

    private final HealthCheck check;
    private int inRow;
    private int best;
    private int samples;
    private String lastPass = "";
    private String lastFailure = "";
    private String lastRun = "";

    Streak(HealthCheck check) {
        this.check = check;
    }

    void add(Sample sample) {
        samples++;
        if (sample.passed()) {
            inRow = inRow > 0 && !sample.run().equals(lastRun) ? 1 : inRow + 1;
            lastRun = sample.run();
            best = Math.max(best, inRow);
            lastPass = sample.detail();
        } else {
            inRow = 0;
            lastFailure = sample.detail();
        }
    }

    boolean passed() {
        return inRow >= check.successes();
    }

    int samples() {
        return samples;
    }

    /** The result now: passed, or why not when time ran out. */
    CheckResult result() {
        int needed = check.successes();
        if (passed()) {
            return new CheckResult(check, true, needed == 1 ? lastPass : lastPass + ", " + needed + " times in a row",
                    samples);
        }
        String ofNeeded = " of " + needed + " times in a row before the " + words(check.timeout()) + " timeout";
        String detail;
        if (best == 0) {
            detail = lastFailure;
        } else if (inRow > 0) {
            detail = "passed " + inRow + ofNeeded;
        } else {
            // the reason comes first and is cut first: the count after it says the service flaps
            detail = OneLine.of(lastFailure, 100) + "; at best passed " + best + ofNeeded;
        }
        return new CheckResult(check, false, detail, samples);
    }

    /** A duration as the repository writes it: 500ms, 30s, 2m. */
    static String words(Duration duration) {
        long millis = duration.toMillis();
        if (millis % 1000 != 0) {
            return millis + "ms";
        }
        long seconds = millis / 1000;
        return seconds % 60 == 0 && seconds > 0 ? seconds / 60 + "m" : seconds + "s";
    }
}
