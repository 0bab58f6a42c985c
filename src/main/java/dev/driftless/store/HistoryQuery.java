package dev.driftless.store;

import java.util.Objects;
import java.util.Optional;

/**
 * Which reconciles {@link HistoryStore#history} returns, and how much of them.
 *
 * @param host keep only reconciles that touched this host, and of them only this host's services
 * @param service keep only reconciles that touched this service, and of them only this service
 * @param limit the most reconciles to return, newest first (at least 1)
 * @param diffs whether each change comes with its diff, or only with its path, action and cause
 * @param agent keep only the reconciles this agent recorded (several agents may share one database)
 */
public record HistoryQuery(Optional<String> host, Optional<String> service, int limit, Diffs diffs,
        Optional<String> agent) {

    /** Whether changes are read with their diffs: the diffs are most of a history's bytes. */
    public enum Diffs { INCLUDED, LEFT_OUT }

    public HistoryQuery {
        host = Objects.requireNonNullElse(host, Optional.empty());
        service = Objects.requireNonNullElse(service, Optional.empty());
        agent = Objects.requireNonNullElse(agent, Optional.empty());
        Objects.requireNonNull(diffs, "diffs");
        if (limit < 1) {
            throw new IllegalArgumentException("the limit must be at least 1, not " + limit);
        }
    }

    /** Reconciles of any agent. */
    public HistoryQuery(Optional<String> host, Optional<String> service, int limit, Diffs diffs) {
        this(host, service, limit, diffs, Optional.empty());
    }

    /** Reconciles of any agent, with their diffs. */
    public HistoryQuery(Optional<String> host, Optional<String> service, int limit) {
        this(host, service, limit, Diffs.INCLUDED);
    }

    /** The newest {@code limit} reconciles, unfiltered, with their diffs. */
    public static HistoryQuery latest(int limit) {
        return new HistoryQuery(Optional.empty(), Optional.empty(), limit);
    }

    /** The same reconciles, their changes without diffs. */
    public HistoryQuery withoutDiffs() {
        return new HistoryQuery(host, service, limit, Diffs.LEFT_OUT, agent);
    }

    /** The same reconciles, only those {@code name} recorded. */
    public HistoryQuery ofAgent(String name) {
        return new HistoryQuery(host, service, limit, diffs, Optional.of(name));
    }
}
