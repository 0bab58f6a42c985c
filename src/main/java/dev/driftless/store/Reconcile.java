package dev.driftless.store;

import java.time.Instant;
import java.util.List;

/**
 * A reconcile as recorded: an apply of a commit, or a drift check ({@link Kind}).
 *
 * @param id the store's id (ignored by {@link HistoryStore#record})
 * @param trigger what started it, e.g. "webhook", "poll", "schedule", "manual" (free text, may be null)
 * @param commit the full commit id, or null when the commit could not be resolved
 * @param services one outcome per host and service, in the order they were reconciled
 */
public record Reconcile(long id, Kind kind, String trigger, String commit, String author, String message,
        Instant startedAt, Instant finishedAt, Result result, String error, List<ServiceOutcome> services) {

    /** An apply of a commit, or a check of the hosts against the last applied commit. */
    public enum Kind { APPLY, DRIFT_CHECK }

    /** How a reconcile ended. */
    public enum Result { SUCCEEDED, FAILED, NO_CHANGES, DRIFT_FOUND, DRIFT_HEALED, SKIPPED }

    public Reconcile {
        services = services == null ? List.of() : List.copyOf(services);
    }
}
