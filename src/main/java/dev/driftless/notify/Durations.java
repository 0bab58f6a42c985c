package dev.driftless.notify;

import java.time.Duration;

/** Durations in messages as people write them in {@code driftless.yaml}: {@code 90s}, {@code 10m}, {@code 1h}. */
final class Durations {

    private Durations() {
    }

    /** {@code 10s}, {@code 500ms}, {@code 1h}: the way driftless.yaml writes it. */
    static String format(Duration duration) {
        long ms = duration.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms > 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
