package dev.driftless.store;

import java.util.Objects;
import java.util.Optional;

/**
 * Which reconciles {@link HistoryStore#history} returns.
 *
 * @param host keep only reconciles that touched this host, and of them only this host's services
 * @param service keep only reconciles that touched this service, and of them only this service
 * @param limit the most reconciles to return, newest first (at least 1)
 */
public record HistoryQuery(Optional<String> host, Optional<String> service, int limit) {

    public HistoryQuery {
        host = Objects.requireNonNullElse(host, Optional.empty());
        service = Objects.requireNonNullElse(service, Optional.empty());
        if (limit < 1) {
            throw new IllegalArgumentException("the limit must be at least 1, not " + limit);
        }
    }

    /** The newest {@code limit} reconciles, unfiltered. */
    public static HistoryQuery latest(int limit) {
        return new HistoryQuery(Optional.empty(), Optional.empty(), limit);
    }
}
