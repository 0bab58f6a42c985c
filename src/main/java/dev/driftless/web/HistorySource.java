package dev.driftless.web;

import dev.driftless.store.HistoryQuery;
import dev.driftless.store.HistoryRows;
import dev.driftless.store.HistoryStore;

/** Where {@code GET /api/history} reads from: newest first, filtered, at most {@code limit} records, row by row. */
@FunctionalInterface
public interface HistorySource {

    /** Hands the page the query asks for to {@code rows} as it is read (see {@link HistoryStore#history(HistoryQuery, HistoryRows)}). */
    void history(HistoryQuery query, HistoryRows rows);

    /** The agent's history database. */
    static HistorySource of(HistoryStore store) {
        return store::history;
    }
}
