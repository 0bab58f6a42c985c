package dev.driftless.store;

import java.util.List;
import java.util.Optional;

/** The agent's record of every reconcile: what was applied or checked, when, and what changed. */
public interface HistoryStore extends AutoCloseable {

    /** Stores a finished reconcile (its id is ignored) in one transaction and returns its new id. */
    long record(Reconcile reconcile);

    /** Newest first; host/service filters keep reconciles that touched them and only those services. */
    List<Reconcile> history(HistoryQuery query);

    /** The newest reconcile of kind APPLY whose result is SUCCEEDED or NO_CHANGES, if any (the agent resumes from it). */
    Optional<Reconcile> lastApplied();

    @Override
    void close();
}
