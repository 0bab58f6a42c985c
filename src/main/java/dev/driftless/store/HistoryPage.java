package dev.driftless.store;

import java.util.List;
import java.util.Optional;

/**
 * One page of history, newest first.
 *
 * @param next the cursor of the next (older) page, for {@link HistoryQuery#before}; empty on the last page
 */
public record HistoryPage(List<Reconcile> reconciles, Optional<Long> next) {

    public HistoryPage {
        reconciles = List.copyOf(reconciles);
    }
}
