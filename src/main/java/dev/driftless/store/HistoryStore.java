package dev.driftless.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The agent's record of every reconcile: what was applied or checked, when, and what changed; and, as agents may
 * share one database, the {@link Fleet} of them.
 */
public interface HistoryStore extends Fleet, AutoCloseable {

    /** Stores a finished reconcile (its id is ignored) in one transaction and returns its new id. */
    long record(Reconcile reconcile);

    /** Newest first; host/service filters keep reconciles that touched them and only those services. */
    default List<Reconcile> history(HistoryQuery query) {
        CollectedHistory collected = new CollectedHistory();
        history(query, collected);
        return collected.reconciles();
    }

    /** The reconciles of {@link #history(HistoryQuery)}, and the cursor of the next page when there are more. */
    default HistoryPage page(HistoryQuery query) {
        CollectedHistory collected = new CollectedHistory();
        history(query, collected);
        return collected.page();
    }

    /**
     * The reconciles of {@link #history(HistoryQuery)}, handed to {@code rows} one row at a time as they are read, so
     * that a page of large diffs can be written out without being held in memory. The rows arrive on the calling
     * thread; a reading that fails part way throws after the rows given so far. When older reconciles match the query
     * too, {@link HistoryRows#more} is called last with the cursor of the next page.
     *
     * @throws StoreException when the database cannot be read, or is busy with as many readers as it allows
     */
    void history(HistoryQuery query, HistoryRows rows);

    /**
     * The newest reconcile of kind APPLY whose result is SUCCEEDED or NO_CHANGES, if any (the agent resumes from it):
     * of the agent this store was opened for (and rows that name no agent), or of any agent.
     */
    Optional<Reconcile> lastApplied();

    /**
     * What the agent this store was opened for remembered under {@code name}, if anything (a small JSON document).
     *
     * @throws IllegalStateException when the store was opened for no agent
     */
    Optional<String> recall(String name);

    /** Keeps {@code value} under {@code name} for the agent this store was opened for, replacing what was there. */
    void remember(String name, String value);

    /**
     * Deletes the reconciles of the agent this store was opened for that {@code keep} does not keep, as of
     * {@code now}, and returns how many. The newest apply of each host (and the newest successful one, which the
     * agent resumes from) is never deleted; other agents' reconciles are not touched.
     *
     * @throws IllegalStateException when the store was opened for no agent
     */
    int prune(HistoryKeep keep, Instant now);

    @Override
    void close();
}
