package dev.driftless.agent;

import dev.driftless.plan.Cause;
import dev.driftless.plan.Change;
import dev.driftless.plan.HostPlan;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Keeps what a person changed by hand in a service that only reports drift ({@code drift: alert}): an apply
 * overwrites such an edit only when the commit changes that same service, and then says so; otherwise that
 * service's changes are held back on that host and the edit is reported as drift, as a drift check would.
 */
final class AlertReview implements UnaryOperator<HostPlan> {

    /** An edit by hand found in an alert service while applying: overwritten, or kept and reported. */
    record Finding(String host, String service, List<Change> edited, boolean overwritten) {
    }

    private final Set<String> alertServices;
    private final List<Finding> findings = Collections.synchronizedList(new ArrayList<>());

    AlertReview(Set<String> alertServices) {
        this.alertServices = Set.copyOf(alertServices);
    }

    @Override
    public HostPlan apply(HostPlan plan) {
        Map<String, List<Change>> byService = new LinkedHashMap<>();
        for (Change change : plan.changes()) {
            if (alertServices.contains(change.service())) {
                byService.computeIfAbsent(change.service(), s -> new ArrayList<>()).add(change);
            }
        }
        Set<String> heldBack = new LinkedHashSet<>();
        byService.forEach((service, changes) -> {
            List<Change> edited = changes.stream().filter(c -> c.causes().contains(Cause.DRIFT)).toList();
            if (edited.isEmpty()) {
                return;
            }
            // "pending" means the commit wants something else than what was applied there
            boolean changedInCommit = changes.stream().anyMatch(c -> c.causes().contains(Cause.PENDING));
            findings.add(new Finding(plan.hostName(), service, edited, changedInCommit));
            if (!changedInCommit) {
                heldBack.add(service);
            }
        });
        return plan.holdingBack(heldBack);
    }

    List<Finding> findings() {
        return List.copyOf(findings);
    }
}
