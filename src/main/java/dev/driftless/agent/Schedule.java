package dev.driftless.agent;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.random.RandomGenerator;

/**
 * When the loop fetches and checks for drift next: every interval with up to 10% jitter (so a fleet of
 * agents does not fetch in step), with a doubling backoff while the source is down, and no later than
 * the retry a host is owed. The clock and the randomness are given, so all of it can be tested.
 */
final class Schedule {

    private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

    private final Duration interval;
    private final Duration driftInterval;
    private final Clock clock;
    private final RandomGenerator random;
    private Instant nextFetch;
    private Instant nextDriftCheck;
    private int sourceFailures;

    Schedule(Duration interval, Duration driftInterval, Clock clock, RandomGenerator random) {
        this.interval = interval;
        this.driftInterval = driftInterval;
        this.clock = clock;
        this.random = random;
        Instant now = clock.instant();
        this.nextFetch = now;
        this.nextDriftCheck = now.plus(jitter(driftInterval));
    }

    Instant nextFetch() {
        return nextFetch;
    }

    Instant nextDriftCheck() {
        return nextDriftCheck;
    }

    /** Whichever comes first. */
    Instant earliest() {
        return nextFetch.isBefore(nextDriftCheck) ? nextFetch : nextDriftCheck;
    }

    boolean fetchDue() {
        return !clock.instant().isBefore(nextFetch);
    }

    boolean driftCheckDue() {
        return !clock.instant().isBefore(nextDriftCheck);
    }

    /** A fetch starts: the next one is an interval away, unless it fails. */
    void fetching() {
        nextFetch = clock.instant().plus(jitter(interval));
    }

    /** The source answered again. */
    void sourceReached() {
        sourceFailures = 0;
    }

    /** The source could not be reached: the next fetch backs off; returns how long. */
    Duration sourceFailed() {
        sourceFailures++;
        Duration backoff = backoff(sourceFailures, interval);
        nextFetch = clock.instant().plus(backoff);
        return backoff;
    }

    int sourceFailures() {
        return sourceFailures;
    }

    /** A drift check starts: the next one is a drift interval away. */
    void checkingDrift() {
        nextDriftCheck = clock.instant().plus(jitter(driftInterval));
    }

    /** Fetch (and so retry) no later than {@code when}. */
    void retryBy(Instant when) {
        if (when.isBefore(nextFetch)) {
            nextFetch = when;
        }
    }

    /** After a cycle that ended in surprise: nothing is due at once again, so a bug cannot spin the loop. */
    void afterSurprise() {
        Instant now = clock.instant();
        if (!nextFetch.isAfter(now)) {
            nextFetch = now.plus(jitter(interval));
        }
        if (!nextDriftCheck.isAfter(now)) {
            nextDriftCheck = now.plus(jitter(driftInterval));
        }
    }

    /** 1 s, 2 s, 4 s ... after each failure in a row, capped at five minutes or the interval if longer. */
    static Duration backoff(int failures, Duration interval) {
        Duration cap = interval.compareTo(MAX_BACKOFF) > 0 ? interval : MAX_BACKOFF;
        Duration backoff = Duration.ofSeconds(1L << Math.min(Math.max(failures, 1) - 1, 16));
        return backoff.compareTo(cap) > 0 ? cap : backoff;
    }

    /** {@code base} give or take up to 10%, never less than a millisecond. */
    Duration jitter(Duration base) {
        long millis = base.toMillis();
        long spread = millis / 10;
        long offset = spread == 0 ? 0 : random.nextLong(-spread, spread + 1);
        return Duration.ofMillis(Math.max(1, millis + offset));
    }
}
