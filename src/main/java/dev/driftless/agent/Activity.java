package dev.driftless.agent;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** What the loop is busy with and since when, so that {@code /healthz} can tell a reconcile that is stuck. */
final class Activity {

    private record Running(String what, Instant since) {
    }

    private final Clock clock;
    private volatile Running running;

    Activity(Clock clock) {
        this.clock = clock;
    }

    void start(String what) {
        running = new Running(what, clock.instant());
    }

    void end() {
        running = null;
    }

    /** Why the agent is not healthy: something has run longer than {@code budget}. */
    Optional<String> overBudget(Duration budget) {
        Running now = running;
        if (now == null) {
            return Optional.empty();
        }
        Duration took = Duration.between(now.since(), clock.instant());
        if (took.compareTo(budget) <= 0) {
            return Optional.empty();
        }
        return Optional.of(now.what() + " has been running for " + took.toSeconds() + " s, longer than --unhealthy-after "
                + budget.toSeconds() + " s");
    }
}
