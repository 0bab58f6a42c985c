package dev.driftless.engine;

import dev.driftless.apply.Applier;
import dev.driftless.apply.ApplyListener;
import dev.driftless.apply.ApplyResult;
import dev.driftless.health.HealthChecks;
import dev.driftless.health.ServiceHealth;
import dev.driftless.host.Host;
import dev.driftless.host.HostException;
import dev.driftless.model.Health;
import dev.driftless.model.HealthCheck;
import dev.driftless.plan.HostPlan;
import dev.driftless.plan.Planner;
import dev.driftless.plan.Scope;
import dev.driftless.render.Desired;
import dev.driftless.render.DesiredHost;
import dev.driftless.render.ImagePins;
import dev.driftless.state.HostState;
import dev.driftless.state.StateFile;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * After an apply changed a host: checks the health of the services it changed, records the commit as the host's
 * healthy one when they pass (and the apply succeeded), and when a service's checks fail puts the host back at its
 * last healthy commit, rendered again from Git, and checks again. Runs under the host's lock.
 */
final class Rollout {

    private final Planner planner;
    private final Applier applier;
    private final HealthChecks checks;
    private final boolean rollback;

    Rollout(Planner planner, Applier applier, HealthChecks checks, boolean rollback) {
        this.planner = planner;
        this.applier = applier;
        this.checks = checks;
        this.rollback = rollback;
    }

    /**
     * Whether an apply of {@code plan} that succeeds is healthy as soon as it is done: it changes something, and no
     * service it touches has a health check to pass or a stack whose images must be recorded first. The applier
     * then records the revision as healthy in the state it writes last, and {@link #settle} writes no state again.
     */
    static boolean healthyOnceApplied(HostPlan plan) {
        if (plan.isEmpty()) {
            return false; // settle may check every service of a commit applied before but never found healthy
        }
        Set<String> services = new LinkedHashSet<>();
        plan.changes().forEach(c -> services.add(c.service()));
        plan.handlers().forEach(h -> services.add(h.service()));
        return services.stream().allMatch(s -> plan.desired().health(s).checks().isEmpty())
                && plan.changes().stream().noneMatch(Rollout::bringsUp);
    }

    private static boolean bringsUp(dev.driftless.plan.Change change) {
        return change.path().startsWith(Desired.Stack.PREFIX) && change.desired().isPresent();
    }

    HostOutcome.Applied settle(Workspace workspace, Host host, HostPlan plan, ApplyResult result, ApplyListener listener) {
        DesiredHost desired = plan.desired();
        Set<String> touched;
        if (plan.isEmpty()) {
            HostState previous = plan.previous();
            if (previous.healthy().equals(previous.revision())) {
                // what a healthy commit left, unchanged: this commit is healthy too
                return new HostOutcome.Applied(plan, result).healthy(markHealthy(host, plan, result));
            }
            // applied before but never found healthy here (--no-rollback, onFailure: keep): nothing to change, yet
            // not done until its checks pass, so an apply again checks it and rolls back, not "nothing to do"
            desired = workspace.desired(workspace.hosts().stream().filter(h -> h.name().equals(host.name()))
                    .findFirst().orElseThrow());
            touched = new LinkedHashSet<>(desired.services());
        } else {
            touched = touched(plan, result);
        }
        UnaryOperator<String> mask = workspace::redact;
        Map<String, ServiceHealth> health = check(host, desired, touched, mask);
        HostOutcome.Applied applied = new HostOutcome.Applied(plan, result, health, Optional.empty());
        List<String> failing = failing(plan, result, health, touched);
        if (failing.isEmpty()) {
            return applied.healthy(markHealthy(host, plan, result));
        }
        DesiredHost checked = desired;
        List<String> asking = failing.stream()
                .filter(s -> checked.health(s).onFailure() == Health.OnFailure.ROLLBACK).toList();
        if (asking.isEmpty()) {
            return applied; // every failing service says onFailure: keep
        }
        String target = plan.previous().healthy();
        Optional<String> refused = !rollback ? Optional.of("--no-rollback: the host is left as the failed apply left it")
                : target.isEmpty() ? Optional.of("no earlier commit was healthy on " + host.name()
                        + ": nothing to roll back to; the host is left as the failed apply left it")
                : target.equals(plan.desired().revision()) ? Optional.of("this commit was the last healthy one on "
                        + host.name() + ": the host is left as the apply left it") : Optional.empty();
        if (refused.isPresent()) {
            return withRollback(applied, new HostOutcome.Rollback(target, asking, Optional.empty(), refused));
        }
        return withRollback(applied, back(workspace, host, target, asking, plan.previous(), listener));
    }

    /**
     * Puts the host back at commit {@code target}, rendered again from Git, with each compose service that runs the
     * image it ran when last found healthy (recorded in {@code before}, the state before the failed apply) pinned to
     * that image: a tag that moved since must not bring the failed image back.
     */
    private HostOutcome.Rollback back(Workspace workspace, Host host, String target, List<String> asking,
            HostState before, ApplyListener listener) {
        try (Workspace healthy = workspace.at(target)) {
            dev.driftless.model.Host model = healthy.hosts().stream().filter(h -> h.name().equals(host.name()))
                    .findFirst().orElseThrow(() -> new HostException(host.name() + " is not a host of commit " + target));
            DesiredHost desired = ImagePins.pin(healthy.desired(model), HealthyImages.pins(before));
            HostPlan plan = planner.plan(desired, host, Scope.EVERYTHING, Map.of());
            listener.started(plan, "rolling back to " + PlanPrinter.shortRevision(target));
            ApplyResult result = applier.apply(plan, host, healthy::redact, listener);
            Set<String> touched = touched(plan, result);
            Map<String, ServiceHealth> health = check(host, desired, touched, healthy::redact);
            HostOutcome.Applied applied = new HostOutcome.Applied(plan, result, health, Optional.empty());
            if (applied.unhealthy().isEmpty()) {
                applied = applied.healthy(markHealthy(host, plan, result));
            }
            return new HostOutcome.Rollback(target, asking, Optional.of(applied), Optional.empty());
        } catch (RuntimeException e) {
            // a commit that no longer renders (its secrets need a key rotated away) or cannot be read: say so
            return new HostOutcome.Rollback(target, asking, Optional.empty(), Optional.of("commit "
                    + PlanPrinter.shortRevision(target) + " cannot be applied again: " + workspace.redact(
                    String.valueOf(e.getMessage())) + "; the host is left as the failed apply left it"));
        }
    }

    private static HostOutcome.Applied withRollback(HostOutcome.Applied applied, HostOutcome.Rollback rollback) {
        return new HostOutcome.Applied(applied.plan(), applied.result(), applied.health(), Optional.of(rollback));
    }

    /** The services an apply changed something of, or ran a handler for. */
    private static Set<String> touched(HostPlan plan, ApplyResult result) {
        Set<String> services = new LinkedHashSet<>();
        plan.changes().forEach(c -> services.add(c.service()));
        plan.handlers().forEach(h -> services.add(h.service()));
        result.failure().ifPresent(f -> services.add(f.change().service()));
        return services;
    }

    private Map<String, ServiceHealth> check(Host host, DesiredHost desired, Set<String> services,
            UnaryOperator<String> mask) {
        Map<String, List<HealthCheck>> byService = new LinkedHashMap<>();
        for (String service : desired.services()) {
            List<HealthCheck> list = desired.health(service).checks();
            if (services.contains(service) && !list.isEmpty()) {
                byService.put(service, list);
            }
        }
        return byService.isEmpty() ? Map.of() : checks.afterApply(host, desired.host().dockerHost(), byService, mask);
    }

    /**
     * Services whose health checks failed. A change or handler that failed is not a reason to go back on its own:
     * the apply already stopped there, and a failed handler stays owed for the next apply, as before health checks.
     */
    private static List<String> failing(HostPlan plan, ApplyResult result, Map<String, ServiceHealth> health,
            Set<String> touched) {
        List<String> failing = new ArrayList<>();
        for (String service : touched) {
            if (health.containsKey(service) && health.get(service).state() == dev.driftless.report.HealthState.DEGRADED) {
                failing.add(service);
            }
        }
        return failing;
    }

    /**
     * Records the plan's revision as the host's healthy one: the state the applier wrote, once more with it (an
     * apply that failed or left the state incomplete is not a healthy commit), and with the images its stacks run
     * now, what a later rollback to it pins. Returns those images (for history), none when it is not healthy.
     */
    private static List<HostOutcome.StackImage> markHealthy(Host host, HostPlan plan, ApplyResult result) {
        if (!result.succeeded()) {
            return List.of();
        }
        HostState written = plan.stateAfter(new LinkedHashSet<>(result.applied()), List.of());
        if (!written.complete()) {
            return List.of();
        }
        if (healthyOnceApplied(plan)) {
            written = written.withHealthy(written.revision()); // what the applier wrote last
        }
        Set<String> broughtUp = new LinkedHashSet<>();
        result.applied().stream().filter(Rollout::bringsUp).forEach(c -> broughtUp.add(c.path()));
        if (!written.healthy().equals(written.revision()) || !broughtUp.isEmpty()) {
            HostState healthy = HealthyImages.record(host, plan, written, broughtUp).withHealthy(written.revision());
            StateFile.write(host, healthy);
            return HealthyImages.ran(plan, healthy);
        }
        return HealthyImages.ran(plan, written); // the images recorded when it was found healthy with this commit
    }
}
