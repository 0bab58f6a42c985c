package dev.driftless.web;

import dev.driftless.store.HistoryQuery;
import dev.driftless.store.HistoryStore;
import java.util.Optional;

/** Where {@code GET /api/history} reads from: newest first, filtered, at most {@code limit} records. */
@FunctionalInterface
public interface HistorySource {

    /** Returns something Jackson can write (records, lists, maps; Optional and Instant are handled). */
    Object history(Optional<String> host, Optional<String> service, int limit);

    /** The agent's history database. */
    static HistorySource of(HistoryStore store) {
        return (host, service, limit) -> store.history(new HistoryQuery(host, service, limit));
    }
}
