package dev.driftless.agent;

import dev.driftless.engine.HostOutcome;
import dev.driftless.health.ServiceHealth;
import dev.driftless.plan.Cause;
import dev.driftless.plan.Change;
import dev.driftless.plan.HostPlan;
import dev.driftless.state.StateEntry;
import dev.driftless.store.HandlerOutcome;
import dev.driftless.store.ResourceChange;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the agent's plans, drift checks, health checks and handlers last found of each service on each host, in memory,
 * for {@link ServiceReport}: written by the loop as it goes, read by the web side at any time. Only masked text is
 * kept (the diffs and handler output the history would keep), never a rendered file.
 */
final class ServiceFindings {

    private record Key(String host, String service) {
    }

    private final Clock clock;
    private final Map<Key, ServiceReport.Planned> planned = new ConcurrentHashMap<>();
    private final Map<Key, ServiceReport.Drift> drift = new ConcurrentHashMap<>();
    private final Map<Key, ServiceReport.Health> health = new ConcurrentHashMap<>();
    private final Map<Key, ServiceReport.Handlers> handlers = new ConcurrentHashMap<>();

    ServiceFindings(Clock clock) {
        this.clock = clock;
    }

    /** A plan that was not applied (a drift check's, a dry run's): each resource as it found it. */
    void planned(HostPlan plan, String by) {
        resources(plan, by, change -> change.causes().contains(Cause.DRIFT) ? "drifted" : "pending");
    }

    /** The handlers of a service an apply or heal of {@code commit} ran, with the end of their output (masked). */
    void handlersRan(String host, String service, String commit, List<HandlerOutcome> ran) {
        if (!ran.isEmpty()) {
            handlers.put(new Key(host, service), new ServiceReport.Handlers(commit, clock.instant(), ran));
        }
    }

    /**
     * The resources an apply or heal left on its host (what it changed is in sync, what it did not reach pending), and
     * what the health checks found after it.
     */
    void applied(HostOutcome.Applied applied) {
        Set<Change> done = new HashSet<>(applied.result().applied());
        Optional<Change> refused = applied.result().failure().map(f -> f.change());
        resources(applied.plan(), "apply", change -> done.contains(change) ? "in sync"
                : refused.filter(change::equals).isPresent() ? "failed" : "pending");
        health(applied.host(), Outcomes.healthAfter(applied));
    }

    private void resources(HostPlan plan, String by, java.util.function.Function<Change, String> stateOf) {
        Map<String, Map<String, ServiceReport.Resource>> byService = new LinkedHashMap<>();
        // a host found in sync from its record alone plans nothing: every service it records is in sync
        List<String> covered = plan.desired().services();
        for (Map<String, StateEntry> entries : List.of(plan.previous().resources(), plan.unchanged(),
                plan.desiredEntries())) {
            entries.forEach((path, entry) -> {
                if (entry.service() != null && (covered.isEmpty() || covered.contains(entry.service()))) {
                    byService.computeIfAbsent(entry.service(), s -> new TreeMap<>()).put(path,
                            new ServiceReport.Resource(path, entry.kind(), "in sync"));
                }
            });
        }
        covered.forEach(s -> byService.computeIfAbsent(s, x -> new TreeMap<>()));
        for (Change change : plan.changes()) {
            byService.computeIfAbsent(change.service(), s -> new TreeMap<>()).put(change.path(),
                    new ServiceReport.Resource(change.path(), change.kind(), stateOf.apply(change)));
        }
        byService.forEach((service, resources) -> planned.put(new Key(plan.hostName(), service),
                new ServiceReport.Planned(by, plan.desired().revision(), clock.instant(),
                        new ArrayList<>(resources.values()))));
    }

    /** A drift check found {@code changes} on a service, and then healed it or not ({@code outcome}). */
    void drifted(String host, String service, String commit, String outcome, List<ResourceChange> changes) {
        drift.put(new Key(host, service), new ServiceReport.Drift(commit, clock.instant(), outcome, changes));
    }

    /** What the health checks of some services of a host found (those without checks are left out). */
    void health(String host, Map<String, ServiceHealth> found) {
        found.forEach((service, result) -> {
            if (!result.checks().isEmpty()) {
                health.put(new Key(host, service), new ServiceReport.Health(clock.instant(), result.checks().stream()
                        .map(c -> new ServiceReport.Check(c.check().describe(), c.passed(), c.detail())).toList()));
            }
        });
    }

    /** What is known of a service of a host, with its commit and README as the caller read them. */
    ServiceReport report(String host, String service, Optional<String> commit, Optional<String> readme) {
        Key key = new Key(host, service);
        return new ServiceReport(host, service, commit, readme, Optional.ofNullable(planned.get(key)),
                Optional.ofNullable(drift.get(key)), Optional.ofNullable(health.get(key)),
                Optional.ofNullable(handlers.get(key)));
    }
}
