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
 * @param before only reconciles older than the one with this id (the cursor of the page before, see
 *     {@link HistoryRows#more}): the next page of the same query
 */
public record HistoryQuery(Optional<String> host, Optional<String> service, int limit, Diffs diffs,
        Optional<String> agent, Optional<Long> before) {

    /** Whether changes are read with their diffs: the diffs are most of a history's bytes. */
    public enum Diffs { INCLUDED, LEFT_OUT }

    public HistoryQuery {
        host = Objects.requireNonNullElse(host, Optional.empty());
        service = Objects.requireNonNullElse(service, Optional.empty());
        agent = Objects.requireNonNullElse(agent, Optional.empty());
        before = Objects.requireNonNullElse(before, Optional.empty());
        Objects.requireNonNull(diffs, "diffs");
        if (limit < 1) {
            throw new IllegalArgumentException("the limit must be at least 1, not " + limit);
        }
    }

    /** The first page of reconciles of one agent, or of any. */
    public HistoryQuery(Optional<String> host, Optional<String> service, int limit, Diffs diffs,
            Optional<String> agent) {
        this(host, service, limit, diffs, agent, Optional.empty());
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
        return new HistoryQuery(host, service, limit, Diffs.LEFT_OUT, agent, before);
    }

    /** The same reconciles, only those {@code name} recorded. */
    public HistoryQuery ofAgent(String name) {
        return new HistoryQuery(host, service, limit, diffs, Optional.of(name), before);
    }

    /**
     * The next page, from the cursor a page gave as its "next" ({@link HistoryDocument}).
     *
     * @throws IllegalArgumentException when {@code cursor} is not one
     */
    public HistoryQuery before(String cursor) {
        try {
            long id = Long.parseLong(cursor.strip());
            if (id > 0) {
                return before(id);
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("'" + cursor + "' is not a history cursor: give the \"next\" of the"
                + " page before");
    }

    /** The next page: the same reconciles, older than the one with id {@code cursor}. */
    public HistoryQuery before(long cursor) {
        return new HistoryQuery(host, service, limit, diffs, agent, Optional.of(cursor));
    }
}
