package dev.driftless.agent;

import dev.driftless.apply.ApplyResult;
import dev.driftless.apply.HandlerResult;
import dev.driftless.plan.Cause;
import dev.driftless.plan.Change;
import dev.driftless.engine.HostOutcome;
import dev.driftless.plan.HostPlan;
import dev.driftless.engine.PlanPrinter;
import dev.driftless.health.ServiceHealth;
import dev.driftless.notify.Event;
import dev.driftless.report.HealthState;
import dev.driftless.report.SyncState;
import dev.driftless.store.HandlerOutcome;
import dev.driftless.store.ResourceChange;
import dev.driftless.store.ServiceImage;
import dev.driftless.store.ServiceOutcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

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
            ApplyResult result = applied.result();
            Map<String, List<ResourceChange>> byService = new LinkedHashMap<>();
            plan.desired().services().forEach(s -> byService.put(s, new ArrayList<>()));
            for (Change change : result.applied()) {
                byService.computeIfAbsent(change.service(), s -> new ArrayList<>()).add(resourceChange(change));
            }
            result.handlers().forEach(h -> byService.computeIfAbsent(h.handler().service(), s -> new ArrayList<>()));
            failed |= !applied.succeeded();
            List<String> unhealthy = applied.unhealthy();
            List<HostOutcome.StackImage> ran = imagesAfter(applied);
            // only the service whose change, handler or health check failed fails; one the apply stopped before is
            // pending
            byService.forEach((service, changes) -> {
                ServiceOutcome.Status status = result.failed(service) || unhealthy.contains(service)
                        ? ServiceOutcome.Status.FAILED
                        : applied.cutShort(service) ? ServiceOutcome.Status.PENDING
                        : changes.isEmpty() ? ServiceOutcome.Status.UNCHANGED
                        : healing ? ServiceOutcome.Status.HEALED : ServiceOutcome.Status.APPLIED;
                List<HandlerOutcome> handlers = result.handlersOf(service).stream().map(Outcomes::handlerOutcome).toList();
                board.findings.handlersRan(applied.host(), service, plan.desired().revision(), handlers);
                // the health this commit's checks found, even when a rollback made the service healthy again
                outcomes.add(new ServiceOutcome(applied.host(), service, status, failure(applied, service), changes,
                        handlers,
                        Optional.ofNullable(applied.health().get(service)).map(ServiceHealth::state).orElse(null),
                        ran.stream().filter(i -> i.service().equals(service)).map(Outcomes::serviceImage).toList()));
                board.set(applied.host(), service, switch (status) {
                    case FAILED -> SyncState.FAILED;
                    case PENDING -> SyncState.PENDING;
                    default -> SyncState.IN_SYNC;
                }, 0);
            });
            board.findings.applied(applied);
            if (!healing && !plan.desired().services().isEmpty()) {
                board.keepOnly(applied.host(), plan.desired().services());
            }
        }
        return failed;
    }

    /**
     * The health an apply left each service it checked in: after a rollback, what the checks found at the commit
     * rolled back to (for the services the rollback checked), else what they found after the apply.
     */
    static Map<String, ServiceHealth> healthAfter(HostOutcome.Applied applied) {
        Map<String, ServiceHealth> health = new LinkedHashMap<>(applied.health());
        applied.rollback().flatMap(HostOutcome.Rollback::applied).ifPresent(back -> health.putAll(back.health()));
        return health;
    }

    /**
     * The images the host's stacks ran when the apply, or the rollback it made, found the host healthy: none when
     * neither did.
     */
    static List<HostOutcome.StackImage> imagesAfter(HostOutcome.Applied applied) {
        List<HostOutcome.StackImage> ran = new ArrayList<>(applied.images());
        applied.rollback().flatMap(HostOutcome.Rollback::applied).ifPresent(back -> ran.addAll(back.images()));
        return ran;
    }

    private static ServiceImage serviceImage(HostOutcome.StackImage ran) {
        return new ServiceImage(ran.stack(), ran.composeService(), ran.image().reference(), ran.image().id(),
                ran.image().digest());
    }

    /**
     * The event a change of a service's health makes: unhealthy when it turns degraded, healthy when it passes its
     * checks again after being degraded; none otherwise (a service first seen healthy is no news).
     */
    static Optional<Event> healthChange(String host, ServiceHealth health, HealthState before, String commit,
            Instant at) {
        if (health.state() == HealthState.DEGRADED && before != HealthState.DEGRADED) {
            return Optional.of(new Event(Event.Kind.UNHEALTHY, host, health.service(), commit, failedChecks(health), at));
        }
        if (health.state() == HealthState.HEALTHY && before == HealthState.DEGRADED) {
            return Optional.of(new Event(Event.Kind.HEALTHY, host, health.service(), commit, "health checks pass again: "
                    + health.checks().stream().map(c -> c.check().describe()).reduce((a, b) -> a + ", " + b)
                    .orElse(""), at));
        }
        return Optional.empty();
    }

    /** "health check http http://127.0.0.1:8080/healthz failed: HTTP 503", for each check that failed. */
    static String failedChecks(ServiceHealth health) {
        return health.failed().stream().map(c -> "health check " + c.check().describe() + " failed: " + c.detail())
                .reduce((a, b) -> a + "; " + b).orElse("");
    }

    /**
     * Why a service failed, in one line: the change its host refused, each of its handlers that failed, or each of
     * its health checks that failed; then what became of the host (rolled back to which commit and what that
     * changed, or why not).
     */
    private static String failure(HostOutcome.Applied applied, String service) {
        Optional<String> refused = applied.result().failure().filter(f -> f.change().service().equals(service))
                .map(f -> PlanPrinter.withoutHost(applied.host(), f.message()));
        Optional<String> why = refused.or(() -> applied.result().handlersOf(service).stream().filter(h -> !h.succeeded())
                .map(h -> "handler " + h.handler().handler() + " " + h.verdict()).reduce((a, b) -> a + "; " + b))
                .or(() -> Optional.ofNullable(applied.health().get(service)).map(Outcomes::failedChecks)
                        .filter(text -> !text.isEmpty()));
        return why.map(text -> text + applied.rollback().filter(r -> r.services().contains(service))
                .map(r -> r.refused().map(n -> "; not rolled back: " + n).orElse((r.restored()
                        ? "; rolled back to " + PlanPrinter.shortRevision(r.revision())
                        : "; the rollback to " + PlanPrinter.shortRevision(r.revision()) + " failed too")
                        + rolledBack(r))).orElse(""))
                .orElse(null);
    }

    /** What a rollback changed on the host, " (~ /etc/app.conf, ...)", or "" when it changed nothing. */
    private static String rolledBack(HostOutcome.Rollback rollback) {
        List<ResourceChange> changes = rollback.applied().map(a -> a.result().applied().stream()
                .map(Outcomes::resourceChange).toList()).orElse(List.of());
        return changes.isEmpty() ? "" : " (" + summary(changes) + ")";
    }

    private static HandlerOutcome handlerOutcome(HandlerResult result) {
        return new HandlerOutcome(result.handler().handler(), result.succeeded(), result.exitCode().orElse(null),
                result.verdict(), result.output().shown());
    }

    /** {@code box/web}, or {@code box} for an outcome of the whole host. */
    static String where(ServiceOutcome o) {
        return o.service() == null || o.service().isEmpty() ? o.host() : o.host() + "/" + o.service();
    }

    /**
     * Why a service failed, for a notification and the log: its one-line error, then for each of its handlers
     * that failed, the end of that handler's output (already bounded and masked).
     */
    static String failureReport(ServiceOutcome o) {
        List<HandlerOutcome> failed = o.handlers().stream().filter(h -> !h.succeeded()).toList();
        StringBuilder text = new StringBuilder(o.error() == null ? "failed" : o.error());
        for (HandlerOutcome h : failed) {
            if (failed.size() > 1) {
                text.append("\nhandler ").append(h.handler()).append(':');
            }
            if (!h.output().isEmpty()) {
                text.append('\n').append(h.output().stripTrailing());
            }
        }
        return text.toString();
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
            board.findings.planned(plan, "dry run");
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
        // the diff is already masked by the planner: lines from secrets, or a whole secret file
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
