package dev.driftless.agent;

import dev.driftless.plan.Cause;
import dev.driftless.plan.Change;
import dev.driftless.plan.HostOutcome;
import dev.driftless.plan.HostPlan;
import dev.driftless.report.SyncState;
import dev.driftless.store.ResourceChange;
import dev.driftless.store.ServiceOutcome;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Turns what a reconcile did to each host into history rows and the status board. */
final class Outcomes {

    private Outcomes() {
    }

    /** The outcome of an apply (or a heal) of every host; returns whether any host failed. */
    static boolean record(List<HostOutcome> results, List<ServiceOutcome> outcomes, StatusBoard board, boolean healing) {
        boolean failed = false;
        for (HostOutcome outcome : results) {
            if (outcome instanceof HostOutcome.Failed f) {
                failed = true;
                outcomes.add(new ServiceOutcome(f.host(), "", ServiceOutcome.Status.FAILED, f.message(), List.of()));
                board.setHost(f.host(), SyncState.FAILED);
                continue;
            }
            HostOutcome.Applied applied = (HostOutcome.Applied) outcome;
            HostPlan plan = applied.plan();
            Map<String, List<ResourceChange>> byService = new LinkedHashMap<>();
            plan.desired().services().forEach(s -> byService.put(s, new ArrayList<>()));
            for (Change change : applied.result().applied()) {
                byService.computeIfAbsent(change.service(), s -> new ArrayList<>()).add(resourceChange(change));
            }
            boolean hostFailed = !applied.result().succeeded();
            failed |= hostFailed;
            byService.forEach((service, changes) -> {
                ServiceOutcome.Status status = hostFailed ? ServiceOutcome.Status.FAILED : changes.isEmpty()
                        ? ServiceOutcome.Status.UNCHANGED : healing ? ServiceOutcome.Status.HEALED
                        : ServiceOutcome.Status.APPLIED;
                outcomes.add(new ServiceOutcome(applied.host(), service, status,
                        hostFailed ? applied.result().failure().orElse("a handler failed") : null, changes));
                board.set(applied.host(), service, hostFailed ? SyncState.FAILED : SyncState.IN_SYNC, 0);
            });
            if (!healing && !plan.desired().services().isEmpty()) {
                board.keepOnly(applied.host(), plan.desired().services());
            }
        }
        return failed;
    }

    /** What a dry run would change on each host, as pending outcomes. */
    static void recordPlans(List<HostOutcome> results, List<ServiceOutcome> outcomes, StatusBoard board) {
        for (HostOutcome outcome : results) {
            if (outcome instanceof HostOutcome.Failed f) {
                outcomes.add(new ServiceOutcome(f.host(), "", ServiceOutcome.Status.FAILED, f.message(), List.of()));
                board.setHost(f.host(), SyncState.FAILED);
                continue;
            }
            HostPlan plan = ((HostOutcome.Planned) outcome).plan();
            Map<String, List<ResourceChange>> byService = new LinkedHashMap<>();
            plan.desired().services().forEach(s -> byService.put(s, new ArrayList<>()));
            plan.changes().forEach(c -> byService.computeIfAbsent(c.service(), s -> new ArrayList<>())
                    .add(resourceChange(c)));
            byService.forEach((service, changes) -> {
                outcomes.add(new ServiceOutcome(plan.hostName(), service, changes.isEmpty()
                        ? ServiceOutcome.Status.UNCHANGED : ServiceOutcome.Status.PENDING, null, changes));
                board.set(plan.hostName(), service, changes.isEmpty() ? SyncState.IN_SYNC : SyncState.PENDING, 0);
            });
        }
    }

    static ResourceChange resourceChange(Change change) {
        // the diff is already "(sensitive content changed)" for a file rendered from a secret
        return new ResourceChange(change.path(), change.action().name().toLowerCase(Locale.ROOT),
                change.causes().contains(Cause.DRIFT) ? "drift" : "pending", change.diff().orElse(null));
    }

    /** "~ /etc/a, + /etc/b" (at most five paths), for notifications. */
    static String summary(List<ResourceChange> changes) {
        StringBuilder text = new StringBuilder();
        int shown = 0;
        for (ResourceChange c : changes) {
            if (shown == 5) {
                text.append(", and ").append(changes.size() - 5).append(" more");
                break;
            }
            if (shown++ > 0) {
                text.append(", ");
            }
            text.append(switch (c.action()) {
                case "create" -> "+ ";
                case "delete" -> "- ";
                default -> "~ ";
            }).append(c.path());
        }
        return text.toString();
    }
}
