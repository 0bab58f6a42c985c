package dev.driftless.store;

/**
 * Receives a page of history one row at a time, as the store reads it ({@link HistoryStore#history(HistoryQuery,
 * HistoryRows)}): a reconcile, then each of its service outcomes, each followed by its changes, then the next
 * reconcile. A reconcile arrives without its services and an outcome without its changes: what follows belongs to
 * the last one given. Whoever receives the rows decides what to keep; the store keeps none of them.
 */
public interface HistoryRows {

    /** The next reconcile, its services still to come. */
    void reconcile(Reconcile reconcile);

    /** The next service outcome of the last reconcile, its changes still to come. */
    void service(ServiceOutcome outcome);

    /** The next change of the last service outcome. */
    void change(ResourceChange change);

    /**
     * Called once after the page, when older reconciles match the query too: {@code cursor} is the id to give as
     * {@link HistoryQuery#before} for the next page.
     */
    default void more(long cursor) {
    }
}
