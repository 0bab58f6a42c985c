package dev.driftless.web;

import dev.driftless.store.FleetMember;
import dev.driftless.store.HistoryQuery;
import dev.driftless.store.HistoryRows;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.StoreException;
import java.util.List;

/**
 * Where {@code GET /api/history} reads from: newest first, filtered, at most {@code limit} records, row by row; and
 * where {@code GET /api/fleet} finds the other agents that share the database.
 */
@FunctionalInterface
public interface HistorySource {

    /** Hands the page the query asks for to {@code rows} as it is read (see {@link HistoryStore#history(HistoryQuery, HistoryRows)}). */
    void history(HistoryQuery query, HistoryRows rows);

    /**
     * Every agent that published itself to the database (see {@link HistoryStore#members()}); none by default.
     *
     * @throws StoreException when the database cannot be read
     */
    default List<FleetMember> fleet() {
        return List.of();
    }

    /** The agent's history database. */
    static HistorySource of(HistoryStore store) {
        return new HistorySource() {
            @Override
            public void history(HistoryQuery query, HistoryRows rows) {
                store.history(query, rows);
            }

            @Override
            public List<FleetMember> fleet() {
                return store.members();
            }
        };
    }
}
