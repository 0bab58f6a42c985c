package dev.driftless.agent;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Drift checks of single hosts asked for between the scheduled ones (by the engine's events, by changes of managed
 * files): requests for a host fold into one check until it runs, which says the first request's trigger and reason. A host whose checks keep finding drift (a container that dies again right after
 * each heal) is checked again no sooner than 1 s, 2 s, 4 s ... after the last, up to the drift interval, so that it
 * cannot keep the agent healing in a loop; a check that finds the host in sync ends that. Not thread-safe: the
 * agent calls it under its lock.
 */
final class DriftRequests {

    /** What asked for a check: its name is the trigger the history records. */
    enum Trigger {
        ENGINE_EVENT("engine event"),
        FILE_CHANGE("file change"),
        /** Someone asked (the dashboard's "check now"): the history records who. */
        CHECK_NOW("check now");

        private final String recorded;

        Trigger(String recorded) {
            this.recorded = recorded;
        }

        String recorded() {
            return recorded;
        }
    }

    /** One request: what asked, and why; {@code by} names who, for a person's request. */
    record Asked(Trigger trigger, String why, java.util.Optional<String> by) {

        Asked(Trigger trigger, String why) {
            this(trigger, why, java.util.Optional.empty());
        }

        /** The trigger the history records: "file change", "check now by alice". */
        String recorded() {
            return trigger.recorded() + by.map(name -> " by " + name).orElse("");
        }
    }

    private final Duration cap;
    // host -> the request that came first
    private final Map<String, Asked> pending = new LinkedHashMap<>();
    private final Map<String, Integer> driftedInARow = new HashMap<>();
    private final Map<String, Instant> notBefore = new HashMap<>();

    DriftRequests(Duration driftInterval) {
        this.cap = driftInterval;
    }

    void request(String host, Trigger trigger, String why) {
        request(host, new Asked(trigger, why));
    }

    /**
     * A request; a person's ({@code by} given) replaces a pending automatic one, so the check says who asked, and is
     * not held back by the back-off of a host that keeps drifting.
     */
    void request(String host, Asked asked) {
        if (asked.by().isPresent()) {
            notBefore.remove(host);
            Asked was = pending.get(host);
            if (was == null || was.by().isEmpty()) {
                pending.put(host, asked);
            }
            return;
        }
        pending.putIfAbsent(host, asked);
    }

    /** When the first pending check may run; {@link Instant#MAX} when none is pending. */
    Instant earliest() {
        Instant earliest = Instant.MAX;
        for (String host : pending.keySet()) {
            Instant at = notBefore.getOrDefault(host, Instant.MIN);
            earliest = at.isBefore(earliest) ? at : earliest;
        }
        return earliest;
    }

    /** The hosts whose check may run at {@code now}, with their first request; they are no longer pending. */
    Map<String, Asked> take(Instant now) {
        Map<String, Asked> due = new LinkedHashMap<>();
        pending.entrySet().removeIf(e -> {
            boolean ready = !now.isBefore(notBefore.getOrDefault(e.getKey(), Instant.MIN));
            if (ready) {
                due.put(e.getKey(), e.getValue());
            }
            return ready;
        });
        return due;
    }

    /** A check of {@code host} asked for here ended at {@code now}, having found drift (and healed it or not) or not. */
    void checked(String host, boolean foundDrift, Instant now) {
        if (!foundDrift) {
            driftedInARow.remove(host);
            notBefore.remove(host);
            return;
        }
        int streak = driftedInARow.merge(host, 1, Integer::sum);
        Duration wait = Duration.ofSeconds(1L << Math.min(streak - 1, 30));
        notBefore.put(host, now.plus(wait.compareTo(cap) > 0 ? cap : wait));
    }
}
