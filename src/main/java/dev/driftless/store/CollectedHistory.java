package dev.driftless.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** History rows put back together into whole reconciles, for readers that want a list (the CLI, the agent). */
final class CollectedHistory implements HistoryRows {

    private final List<Reconcile> reconciles = new ArrayList<>();
    private Reconcile reconcile;
    private final List<ServiceOutcome> services = new ArrayList<>();
    private ServiceOutcome outcome;
    private final List<ResourceChange> changes = new ArrayList<>();
    private Optional<Long> next = Optional.empty();

    @Override
    public void reconcile(Reconcile next) {
        endReconcile();
        reconcile = next;
    }

    @Override
    public void service(ServiceOutcome next) {
        endService();
        outcome = next;
    }

    @Override
    public void change(ResourceChange change) {
        changes.add(change);
    }

    @Override
    public void more(long cursor) {
        next = Optional.of(cursor);
    }

    /** The page received, and the cursor of the next one if there is one. */
    HistoryPage page() {
        return new HistoryPage(reconciles(), next);
    }

    /** Every reconcile received, in the order received, with its services and their changes. */
    List<Reconcile> reconciles() {
        endReconcile();
        return List.copyOf(reconciles);
    }

    private void endService() {
        if (outcome != null) {
            services.add(new ServiceOutcome(outcome.host(), outcome.service(), outcome.status(), outcome.error(),
                    changes, outcome.handlers(), outcome.health(), outcome.images()));
            changes.clear();
            outcome = null;
        }
    }

    private void endReconcile() {
        endService();
        if (reconcile != null) {
            reconciles.add(reconcile.withServices(services));
            services.clear();
            reconcile = null;
        }
    }
}
