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
 * @param agent the agent that recorded it (null for rows of a version that did not say)
 * @param seen how many drift checks in a row found exactly this (1 for every other reconcile): an ongoing drift is
 *     one row, not one per drift interval
 * @param lastSeenAt when the last of them started ({@code startedAt} is the first; the same when seen once)
 * @param signer who signed the commit, when the agent verifies signatures: the trusted key's signer and fingerprint
 *     for an applied commit, the key's signer when known for a refused one; null when not verified
 */
public record Reconcile(long id, Kind kind, String trigger, String commit, String author, String message,
        Instant startedAt, Instant finishedAt, Result result, String error, List<ServiceOutcome> services,
        String agent, int seen, Instant lastSeenAt, String signer) {

    /** A reconcile whose signer was not verified. */
    public Reconcile(long id, Kind kind, String trigger, String commit, String author, String message,
            Instant startedAt, Instant finishedAt, Result result, String error, List<ServiceOutcome> services,
            String agent, int seen, Instant lastSeenAt) {
        this(id, kind, trigger, commit, author, message, startedAt, finishedAt, result, error, services, agent, seen,
                lastSeenAt, null);
    }

    /** A reconcile seen once. */
    public Reconcile(long id, Kind kind, String trigger, String commit, String author, String message,
            Instant startedAt, Instant finishedAt, Result result, String error, List<ServiceOutcome> services,
            String agent) {
        this(id, kind, trigger, commit, author, message, startedAt, finishedAt, result, error, services, agent, 1,
                null);
    }

    /** A reconcile whose agent the store fills in (the one it was opened for). */
    public Reconcile(long id, Kind kind, String trigger, String commit, String author, String message,
            Instant startedAt, Instant finishedAt, Result result, String error, List<ServiceOutcome> services) {
        this(id, kind, trigger, commit, author, message, startedAt, finishedAt, result, error, services, null);
    }

    /** An apply of a commit, or a check of the hosts against the last applied commit. */
    public enum Kind implements dev.driftless.report.Word { APPLY, DRIFT_CHECK }

    /**
     * How a reconcile ended. A drift check that found nothing drifted but a service's health changed is
     * UNHEALTHY (a service turned degraded) or HEALTHY (every service that was degraded passes again).
     */
    public enum Result implements dev.driftless.report.Word {
        SUCCEEDED, FAILED, NO_CHANGES, DRIFT_FOUND, DRIFT_HEALED, SKIPPED, UNHEALTHY, HEALTHY
    }

    public Reconcile {
        services = services == null ? List.of() : List.copyOf(services);
        seen = Math.max(1, seen);
        lastSeenAt = lastSeenAt == null ? startedAt : lastSeenAt;
    }

    /** The same reconcile with these outcomes. */
    public Reconcile withServices(List<ServiceOutcome> outcomes) {
        return new Reconcile(id, kind, trigger, commit, author, message, startedAt, finishedAt, result, error, outcomes,
                agent, seen, lastSeenAt, signer);
    }

    /** The same reconcile, naming who signed its commit. */
    public Reconcile withSigner(String signer) {
        return new Reconcile(id, kind, trigger, commit, author, message, startedAt, finishedAt, result, error, services,
                agent, seen, lastSeenAt, signer);
    }
}
