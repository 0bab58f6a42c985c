package dev.driftless.agent;

import dev.driftless.apply.ApplyListener;
import dev.driftless.engine.Reconciler;
import dev.driftless.engine.Workspace;
import dev.driftless.model.DriftPolicy;
import dev.driftless.model.Service;
import dev.driftless.model.ValidationException;
import dev.driftless.notify.Event;
import dev.driftless.plan.Change;
import dev.driftless.engine.HostOutcome;
import dev.driftless.plan.KnownFiles;
import dev.driftless.report.SyncState;
import dev.driftless.source.SourceException;
import dev.driftless.store.Reconcile;
import dev.driftless.store.ResourceChange;
import dev.driftless.store.ServiceOutcome;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks every host against its target, the commit the agent last applied to it. Every difference counts,
 * drift and "pending" alike: a host someone took to another commit by hand ({@code driftless apply --ref
 * OLD}) is as far from its target as one edited by hand. A service with {@code drift: heal} is applied again
 * on that host (unless the host is suspended or the agent only plans); {@code drift: alert} is reported.
 */
final class DriftCycle {

    private final AgentSettings settings;
    private final AgentMemory memory;
    private final StatusBoard board;
    private final Activity activity;
    private final Clock clock;
    private final Workspaces workspaces;
    // what each host's files hashed to, by their stat: a quiet check stats the files and reads none of them
    private final KnownFiles knownFiles = new KnownFiles();

    DriftCycle(AgentSettings settings, AgentMemory memory, StatusBoard board, Activity activity, Clock clock,
            Workspaces workspaces) {
        this.settings = settings;
        this.memory = memory;
        this.board = board;
        this.activity = activity;
        this.clock = clock;
        this.workspaces = workspaces;
    }

    CycleReport run() {
        CycleReport report = new CycleReport();
        Map<String, List<String>> byTarget = hostsByTarget();
        if (byTarget.isEmpty()) {
            return report;
        }
        activity.start("the drift check");
        try {
            byTarget.forEach((commit, hosts) -> check(commit, hosts, report));
        } finally {
            activity.end();
        }
        return report;
    }

    /**
     * The hosts to check, grouped by the commit each must have. A host the agent never applied to has no
     * target and is not checked; after an upgrade from an agent that kept no targets, every host is checked
     * against the commit history says was applied last (an empty host list means every host).
     */
    private Map<String, List<String>> hostsByTarget() {
        List<String> hosts = workspaces.knownHosts().isEmpty() ? List.copyOf(memory.targets().keySet())
                : workspaces.knownHosts();
        Map<String, List<String>> byTarget = new LinkedHashMap<>();
        if (hosts.isEmpty()) {
            Optional.ofNullable(board.appliedCommit).ifPresent(commit -> byTarget.put(commit, settings.hosts()));
            return byTarget;
        }
        for (String host : hosts) {
            memory.target(host).or(() -> Optional.ofNullable(board.appliedCommit))
                    .ifPresent(commit -> byTarget.computeIfAbsent(commit, c -> new ArrayList<>()).add(host));
        }
        return byTarget;
    }

    private void check(String commit, List<String> hosts, CycleReport report) {
        Instant started = clock.instant();
        List<ServiceOutcome> outcomes = new ArrayList<>();
        try (Workspace workspace = workspaces.open(Optional.of(commit), hosts)) {
            List<HostOutcome> results = new Reconciler(settings.lockTimeout(), settings.handlerTimeout(), knownFiles)
                    .plan(workspace, settings.parallel(), o -> { });
            Map<String, DriftPolicy> policies = new LinkedHashMap<>();
            for (HostOutcome outcome : results) {
                if (!(outcome instanceof HostOutcome.Planned planned)) {
                    continue;
                }
                String host = outcome.host();
                Map<String, List<ResourceChange>> differs = new LinkedHashMap<>();
                for (Change change : planned.plan().changes()) {
                    differs.computeIfAbsent(change.service(), s -> new ArrayList<>()).add(Outcomes.resourceChange(change));
                }
                for (AgentStatus.ServiceStatus known : board.services(host)) {
                    if (!differs.containsKey(known.service()) && known.sync() != SyncState.FAILED
                            && known.sync() != SyncState.PENDING) {
                        board.set(host, known.service(), SyncState.IN_SYNC, 0);
                    }
                }
                if (differs.isEmpty()) {
                    continue;
                }
                if (policies.isEmpty()) {
                    for (Service service : workspace.repository().services()) {
                        policies.put(service.name(), service.drift());
                    }
                }
                List<String> heal = new ArrayList<>();
                differs.forEach((service, changes) -> {
                    boolean healable = policies.getOrDefault(service, DriftPolicy.HEAL) == DriftPolicy.HEAL;
                    if (healable && !memory.suspended(host) && !settings.dryRun()) {
                        heal.add(service);
                        return;
                    }
                    board.set(host, service, healable ? SyncState.SUSPENDED : SyncState.DRIFTED, changes.size());
                    outcomes.add(new ServiceOutcome(host, service, healable ? ServiceOutcome.Status.SUSPENDED
                            : ServiceOutcome.Status.DRIFTED, null, changes));
                    report.event(new Event(Event.Kind.DRIFT_FOUND, host, service, commit, Outcomes.summary(changes)
                            + (healable ? " (not healed: " + (settings.dryRun() ? "dry run" : "host suspended") + ")"
                            : ""), clock.instant()));
                });
                if (!heal.isEmpty()) {
                    heal(host, heal, commit, differs, outcomes, report);
                }
            }
        } catch (SourceException | ValidationException e) {
            report.log("drift check of " + commit + " failed: " + e.getMessage());
            return;
        }
        if (!outcomes.isEmpty()) {
            boolean found = outcomes.stream().anyMatch(o -> o.status() != ServiceOutcome.Status.HEALED);
            report.record(new Reconcile(0, Reconcile.Kind.DRIFT_CHECK, "drift", commit, "", "", started,
                    clock.instant(), found ? Reconcile.Result.DRIFT_FOUND : Reconcile.Result.DRIFT_HEALED, null,
                    outcomes));
        }
    }

    private void heal(String host, List<String> heal, String commit, Map<String, List<ResourceChange>> differs,
            List<ServiceOutcome> outcomes, CycleReport report) {
        try (Workspace workspace = workspaces.open(Optional.of(commit), List.of(host), heal)) {
            List<HostOutcome> results = new Reconciler(settings.lockTimeout(), settings.handlerTimeout(), knownFiles)
                    .apply(workspace, 1, h -> ApplyListener.SILENT, o -> { });
            List<ServiceOutcome> healed = new ArrayList<>();
            Outcomes.record(results, healed, board, true);
            for (ServiceOutcome o : healed) {
                if (!heal.contains(o.service()) && o.status() != ServiceOutcome.Status.FAILED) {
                    continue;
                }
                List<ResourceChange> found = differs.getOrDefault(o.service(), o.changes());
                // a service whose own change or handler failed is still drifted; the others of the host are healed
                ServiceOutcome.Status status = switch (o.status()) {
                    case FAILED -> ServiceOutcome.Status.FAILED;
                    case PENDING -> ServiceOutcome.Status.DRIFTED;
                    default -> ServiceOutcome.Status.HEALED;
                };
                outcomes.add(new ServiceOutcome(o.host(), o.service(), status, o.error(), found, o.handlers()));
                String summary = status == ServiceOutcome.Status.FAILED
                        ? Outcomes.summary(found) + "\n" + Outcomes.failureReport(o) : Outcomes.summary(found);
                report.event(new Event(status == ServiceOutcome.Status.HEALED ? Event.Kind.DRIFT_HEALED
                        : Event.Kind.DRIFT_FOUND, o.host(), o.service(), commit, summary.strip(), clock.instant()));
            }
        }
    }
}
