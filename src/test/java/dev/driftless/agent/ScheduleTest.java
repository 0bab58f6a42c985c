package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class ScheduleTest {

    private static final Instant START = Instant.parse("2025-01-01T00:00:00Z");
    private static final Duration MINUTE = Duration.ofMinutes(1);
    private static final Duration HOUR = Duration.ofHours(1);

    /** Always answers the lowest (or highest) value asked for, so jitter takes its extremes. */
    private record Extreme(boolean high) implements RandomGenerator {
        @Override
        public long nextLong() {
            throw new UnsupportedOperationException("the schedule asks for a bounded value");
        }

        @Override
        public long nextLong(long origin, long bound) {
            return high ? bound - 1 : origin;
        }
    }

    private final TestClock clock = new TestClock(START);

    private Schedule schedule(Duration interval, Duration driftInterval, RandomGenerator random) {
        return new Schedule(interval, driftInterval, clock, random);
    }

    @Test
    void jitterTakesItsExtremesFromTheRandomSourceAtExactlyTenPercent() {
        assertThat(schedule(MINUTE, HOUR, new Extreme(false)).jitter(Duration.ofSeconds(100)))
                .isEqualTo(Duration.ofSeconds(90));
        assertThat(schedule(MINUTE, HOUR, new Extreme(true)).jitter(Duration.ofSeconds(100)))
                .isEqualTo(Duration.ofSeconds(110));
    }

    @Test
    void jitterStaysWithinTenPercentForAnyRandomSource() {
        Schedule schedule = schedule(MINUTE, HOUR, RandomGenerator.of("L64X128MixRandom"));
        for (int i = 0; i < 1000; i++) {
            Duration jittered = schedule.jitter(Duration.ofSeconds(60));
            assertThat(jittered).isBetween(Duration.ofSeconds(54), Duration.ofSeconds(66));
        }
    }

    @Test
    void jitterNeverGoesBelowOneMillisecond() {
        Schedule schedule = schedule(MINUTE, HOUR, new Extreme(false));
        assertThat(schedule.jitter(Duration.ZERO)).isEqualTo(Duration.ofMillis(1));
        assertThat(schedule.jitter(Duration.ofMillis(5))).isEqualTo(Duration.ofMillis(5));
    }

    @Test
    void backoffDoublesFromOneSecondAndStopsAtFiveMinutes() {
        assertThat(Schedule.backoff(1, MINUTE)).isEqualTo(Duration.ofSeconds(1));
        assertThat(Schedule.backoff(2, MINUTE)).isEqualTo(Duration.ofSeconds(2));
        assertThat(Schedule.backoff(3, MINUTE)).isEqualTo(Duration.ofSeconds(4));
        assertThat(Schedule.backoff(9, MINUTE)).isEqualTo(Duration.ofSeconds(256));
        assertThat(Schedule.backoff(10, MINUTE)).isEqualTo(Duration.ofMinutes(5));
        assertThat(Schedule.backoff(1000, MINUTE)).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void backoffIsCappedAtTheIntervalWhenTheIntervalIsLongerThanFiveMinutes() {
        assertThat(Schedule.backoff(11, HOUR)).isEqualTo(Duration.ofSeconds(1024));
        assertThat(Schedule.backoff(12, HOUR)).isEqualTo(Duration.ofSeconds(2048));
        assertThat(Schedule.backoff(13, HOUR)).isEqualTo(HOUR);
        assertThat(Schedule.backoff(1000, HOUR)).isEqualTo(HOUR);
    }

    @Test
    void aFailedSourceMovesTheNextFetchByTheBackoffAndReachingItResetsTheCount() {
        Schedule schedule = schedule(MINUTE, HOUR, new Extreme(false));
        assertThat(schedule.fetchDue()).isTrue();

        assertThat(schedule.sourceFailed()).isEqualTo(Duration.ofSeconds(1));
        assertThat(schedule.nextFetch()).isEqualTo(START.plusSeconds(1));
        assertThat(schedule.fetchDue()).isFalse();

        clock.advance(Duration.ofSeconds(1));
        assertThat(schedule.fetchDue()).isTrue();
        assertThat(schedule.sourceFailed()).isEqualTo(Duration.ofSeconds(2));
        assertThat(schedule.nextFetch()).isEqualTo(START.plusSeconds(3));
        assertThat(schedule.sourceFailures()).isEqualTo(2);

        schedule.sourceReached();
        assertThat(schedule.sourceFailures()).isZero();
        assertThat(schedule.sourceFailed()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void retryByOnlyEverBringsTheNextFetchForward() {
        Schedule schedule = schedule(MINUTE, HOUR, new Extreme(false));
        schedule.fetching();
        Instant planned = START.plusSeconds(54);
        assertThat(schedule.nextFetch()).isEqualTo(planned);

        schedule.retryBy(START.plusSeconds(100));
        assertThat(schedule.nextFetch()).isEqualTo(planned);

        schedule.retryBy(START.plusSeconds(10));
        assertThat(schedule.nextFetch()).isEqualTo(START.plusSeconds(10));
    }

    @Test
    void afterASurpriseNothingIsDueAtOnce() {
        Schedule schedule = schedule(MINUTE, HOUR, new Extreme(false));
        clock.advance(Duration.ofHours(2));
        assertThat(schedule.fetchDue()).isTrue();
        assertThat(schedule.driftCheckDue()).isTrue();

        schedule.afterSurprise();

        assertThat(schedule.fetchDue()).isFalse();
        assertThat(schedule.driftCheckDue()).isFalse();
        assertThat(schedule.nextFetch()).isEqualTo(clock.instant().plusSeconds(54));
        assertThat(schedule.nextDriftCheck()).isEqualTo(clock.instant().plus(Duration.ofMinutes(54)));
    }

    @Test
    void afterASurpriseWhatIsNotDueKeepsItsTime() {
        Schedule schedule = schedule(MINUTE, HOUR, new Extreme(true));
        schedule.fetching();
        Instant fetch = schedule.nextFetch();
        Instant drift = schedule.nextDriftCheck();

        schedule.afterSurprise();

        assertThat(schedule.nextFetch()).isEqualTo(fetch);
        assertThat(schedule.nextDriftCheck()).isEqualTo(drift);
    }

    @Test
    void fetchAndDriftCheckBecomeDueWhenTheClockReachesThem() {
        Schedule schedule = schedule(MINUTE, HOUR, new Extreme(true));
        assertThat(schedule.fetchDue()).isTrue();
        assertThat(schedule.driftCheckDue()).isFalse();
        assertThat(schedule.nextDriftCheck()).isEqualTo(START.plus(Duration.ofMinutes(66)));

        schedule.fetching();
        assertThat(schedule.nextFetch()).isEqualTo(START.plusSeconds(66));
        assertThat(schedule.earliest()).isEqualTo(START.plusSeconds(66));

        clock.advance(Duration.ofSeconds(65));
        assertThat(schedule.fetchDue()).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(schedule.fetchDue()).isTrue();

        clock.advance(Duration.ofMinutes(66).minusSeconds(66).minusMillis(1));
        assertThat(schedule.driftCheckDue()).isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(schedule.driftCheckDue()).isTrue();

        schedule.checkingDrift();
        assertThat(schedule.driftCheckDue()).isFalse();
        assertThat(schedule.nextDriftCheck()).isEqualTo(clock.instant().plus(Duration.ofMinutes(66)));
    }
}
