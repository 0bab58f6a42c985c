package dev.driftless.store;

import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How much of its own history an agent keeps ({@code agent --history-keep}): by age, or the newest so many
 * reconciles. Whatever it says, the newest apply of each host is kept (the agent resumes from it).
 */
public sealed interface HistoryKeep {

    /** Whether the reconcile at {@code position} (0 = newest), last seen at {@code lastSeen}, is kept at {@code now}. */
    boolean keeps(int position, Instant lastSeen, Instant now);

    /** Reconciles last seen within this long ago. */
    record Age(Duration age) implements HistoryKeep {
        @Override
        public boolean keeps(int position, Instant lastSeen, Instant now) {
            return !lastSeen.isBefore(now.minus(age));
        }
    }

    /** The newest {@code count} reconciles. */
    record Newest(int count) implements HistoryKeep {
        @Override
        public boolean keeps(int position, Instant lastSeen, Instant now) {
            return position < count;
        }
    }

    /**
     * "90d", "12h", "30m" (an age) or "5000" (a count).
     *
     * @throws IllegalArgumentException saying how to write it
     */
    public static HistoryKeep parse(String text) {
        Matcher m = Pattern.compile("(\\d{1,9})([dhm]?)").matcher(text.strip());
        if (m.matches() && Long.parseLong(m.group(1)) > 0) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "d" -> new Age(Duration.ofDays(n));
                case "h" -> new Age(Duration.ofHours(n));
                case "m" -> new Age(Duration.ofMinutes(n));
                default -> new Newest((int) n);
            };
        }
        throw new IllegalArgumentException("'" + text + "' is neither an age nor a count: write it like 90d, 12h or"
                + " 30m (keep what is younger), or 5000 (keep the newest 5000 reconciles)");
    }
}
