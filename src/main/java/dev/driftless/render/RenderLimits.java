package dev.driftless.render;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * How far one template may go before its rendering is stopped: a time and an output size per file,
 * and a question asked along the way whether the process is shutting down. No honest template comes
 * near the defaults; a commit that loops for ever or expands without end fails that file instead of
 * hanging or exhausting the agent.
 *
 * @param timePerFile the longest one file may take to render
 * @param bytesPerFile the most output one file may produce
 * @param stopRequested true once rendering should stop at once (SIGTERM to the agent)
 */
public record RenderLimits(Duration timePerFile, long bytesPerFile, BooleanSupplier stopRequested) {

    public static final Duration DEFAULT_TIME_PER_FILE = Duration.ofSeconds(10);
    public static final long DEFAULT_BYTES_PER_FILE = 32L * 1024 * 1024;
    public static final RenderLimits DEFAULT = new RenderLimits(DEFAULT_TIME_PER_FILE, DEFAULT_BYTES_PER_FILE, () -> false);

    public RenderLimits {
        if (timePerFile.isNegative() || timePerFile.isZero() || bytesPerFile <= 0) {
            throw new IllegalArgumentException("render limits must be positive");
        }
    }

    /** The time limit as people write it: "10 s", "1 min", "500 ms". */
    public String describeTime() {
        long millis = timePerFile.toMillis();
        if (millis % 60_000 == 0) {
            return millis / 60_000 + " min";
        }
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }

    /** The size limit as people write it: "32 MiB", "1 GiB", "1500 bytes". */
    public String describeSize() {
        String[] units = {"GiB", "MiB", "KiB"};
        for (int i = 0; i < units.length; i++) {
            long unit = 1L << (10 * (units.length - i));
            if (bytesPerFile % unit == 0) {
                return bytesPerFile / unit + " " + units[i];
            }
        }
        return bytesPerFile + " bytes";
    }

    /** The same limits, stopping when {@code stop} says so. */
    public RenderLimits stoppingWhen(BooleanSupplier stop) {
        return new RenderLimits(timePerFile, bytesPerFile, stop);
    }
}
