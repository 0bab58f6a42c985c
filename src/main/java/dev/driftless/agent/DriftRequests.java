package dev.driftless.agent;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Drift checks of single hosts asked for between the scheduled ones (by the engine's events): requests for a host
 * fold into one check until it runs. A host whose checks keep finding drift (a container that dies again right after
 * each heal) is checked again no sooner than 1 s, 2 s, 4 s ... after the last, up to the drift interval, so that it
 * cannot keep the agent healing in a loop; a check that finds the host in sync ends that. Not thread-safe: the
 * agent calls it under its lock.
 */
final class DriftRequests {

    private final Duration cap;
    // host -> why it was asked first
    private final Map<String, String> pending = new LinkedHashMap<>();
    private final Map<String, Integer> driftedInARow = new HashMap<>();
    private final Map<String, Instant> notBefore = new HashMap<>();

    DriftRequests(Duration driftInterval) {
        this.cap = driftInterval;
    }

    void request(String host, String why) {
        pending.putIfAbsent(host, why);
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

    /** The hosts whose check may run at {@code now}, with why; they are no longer pending. */
    Map<String, String> take(Instant now) {
        Map<String, String> due = new LinkedHashMap<>();
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
