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
import dev.driftless.health.HealthChecks;
import dev.driftless.health.ServiceHealth;
import dev.driftless.host.Host;
import dev.driftless.model.HealthCheck;
import dev.driftless.report.HealthState;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks every host against its target, the commit the agent last applied to it. Every difference counts,
 * drift and "pending" alike: a host someone took to another commit by hand ({@code driftless apply --ref
 * OLD}) is as far from its target as one edited by hand. A service with {@code drift: heal} is applied again
 * on that host (unless the host is suspended or the agent only plans); {@code drift: alert} is reported.
 * Over the same connection, the health of every service of the host that has checks is sampled (one sample a
 * check, the full semantics only for a check whose sample fails): a service that turns degraded or passes
 * again is recorded and notified once, whatever its files do.
 */
final class DriftCycle {

    private final AgentSettings settings;
    private final AgentMemory memory;
    private final StatusBoard board;
    private final Activity activity;
    private final Clock clock;
    private final Workspaces workspaces;
    private final HealthChecks checks;
    // what each host's files hashed to, by their stat: a quiet check stats the files and reads none of them
    private final KnownFiles knownFiles = new KnownFiles();

    DriftCycle(AgentSettings settings, AgentMemory memory, StatusBoard board, Activity activity, Clock clock,
            Workspaces workspaces, HealthChecks checks) {
        this.settings = settings;
        this.memory = memory;
        this.board = board;
        this.activity = activity;
        this.clock = clock;
        this.workspaces = workspaces;
        this.checks = checks;
    }

    CycleReport run() {
        return run(hostsByTarget(), "drift");
    }

    /** A check of only these hosts, asked for by {@code trigger} (an engine's event) between the scheduled ones. */
    CycleReport run(Set<String> only, String trigger) {
        Map<String, List<String>> byTarget = new LinkedHashMap<>();
        hostsByTarget().forEach((commit, hosts) -> {
            List<String> chosen = hosts.stream().filter(only::contains).toList();
            if (!chosen.isEmpty()) {
                byTarget.put(commit, chosen);
            }
        });
        return run(byTarget, trigger);
    }

    private CycleReport run(Map<String, List<String>> byTarget, String trigger) {
        CycleReport report = new CycleReport();
        if (byTarget.isEmpty()) {
            return report;
        }
        activity.start("the drift check");
        try {
            byTarget.forEach((commit, hosts) -> check(commit, hosts, trigger, report));
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

    private void check(String commit, List<String> hosts, String trigger, CycleReport report) {
        Instant started = clock.instant();
        List<ServiceOutcome> outcomes = new ArrayList<>();
        Map<String, Map<String, ServiceHealth>> sampled = new ConcurrentHashMap<>();
        try (Workspace workspace = workspaces.open(Optional.of(commit), hosts)) {
            List<HostOutcome> results = reconciler().plan(workspace, settings.parallel(), o -> { },
                    (host, planned) -> sampled.put(host.name(), sample(workspace, planned, host)));
            Map<String, DriftPolicy> policies = new LinkedHashMap<>();
            for (HostOutcome outcome : results) {
                if (outcome instanceof HostOutcome.Planned planned) {
                    board.findings.planned(planned.plan(), "drift check");
                    // a heal checks the services it touched again: what it found replaces the sample
                    Map<String, ServiceHealth> health = new LinkedHashMap<>(sampled.getOrDefault(outcome.host(),
                            Map.of()));
                    drift(workspace, planned, commit, policies, health, outcomes, report);
                    health(outcome.host(), commit, health, outcomes, report);
                }
            }
        } catch (SourceException | ValidationException e) {
            report.log("drift check of " + commit + " failed: " + e.getMessage());
            return;
        }
        outcomes.stream().filter(o -> o.service() != null && !o.changes().isEmpty()).forEach(o -> board.findings
                .drifted(o.host(), o.service(), commit, o.status().word(), o.changes()));
        if (!outcomes.isEmpty()) {
            report.record(new Reconcile(0, Reconcile.Kind.DRIFT_CHECK, trigger, commit, "", "", started,
                    clock.instant(), result(outcomes), null, outcomes));
        }
    }

    /**
     * Drift found before health, as it is the older question; then a service turned degraded; then drift healed;
     * else only services that pass their checks again.
     */
    private static Reconcile.Result result(List<ServiceOutcome> outcomes) {
        if (outcomes.stream().anyMatch(o -> o.status() != ServiceOutcome.Status.HEALED
                && o.status() != ServiceOutcome.Status.UNCHANGED)) {
            return Reconcile.Result.DRIFT_FOUND;
        }
        if (outcomes.stream().anyMatch(o -> o.health() == HealthState.DEGRADED)) {
            return Reconcile.Result.UNHEALTHY;
        }
        return outcomes.stream().anyMatch(o -> o.status() == ServiceOutcome.Status.HEALED)
                ? Reconcile.Result.DRIFT_HEALED : Reconcile.Result.HEALTHY;
    }

    /** Plans and heals with the agent's health checks, trusting the file stats of earlier checks. */
    private Reconciler reconciler() {
        return new Reconciler(settings.lockTimeout(), settings.handlerTimeout(), knownFiles, checks, true);
    }

    /** One sample of each health check of the host's services that have any, all at once, over {@code host}. */
    private Map<String, ServiceHealth> sample(Workspace workspace, HostOutcome.Planned planned, Host host) {
        Map<String, List<HealthCheck>> byService = new LinkedHashMap<>();
        workspace.health(planned.plan().desired().host()).forEach((service, health) -> {
            if (!health.checks().isEmpty()) {
                byService.put(service, health.checks());
            }
        });
        return byService.isEmpty() ? Map.of() : checks.sample(host, planned.plan().desired().host().dockerHost(),
                byService, workspace::redact);
    }

    /** The drift of one planned host: healed, or reported. */
    private void drift(Workspace workspace, HostOutcome.Planned planned, String commit,
            Map<String, DriftPolicy> policies, Map<String, ServiceHealth> health, List<ServiceOutcome> outcomes,
            CycleReport report) {
        String host = planned.host();
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
            return;
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
            heal(host, heal, commit, differs, health, outcomes, report);
        }
    }

    /**
     * The health found of each service of a host: on the status board; a service that turned degraded or passes
     * again is notified and recorded (on its drift outcome when it has one, else as unchanged).
     */
    private void health(String host, String commit, Map<String, ServiceHealth> found, List<ServiceOutcome> outcomes,
            CycleReport report) {
        Instant now = clock.instant();
        board.findings.health(host, found);
        found.forEach((service, health) -> {
            Optional<Event> change = Outcomes.healthChange(host, health, board.health(host, service, health.state()),
                    commit, now);
            change.ifPresent(report::event);
            int at = -1;
            for (int i = 0; i < outcomes.size(); i++) {
                if (outcomes.get(i).host().equals(host) && service.equals(outcomes.get(i).service())) {
                    at = i;
                }
            }
            String failed = health.state() == HealthState.DEGRADED ? Outcomes.failedChecks(health) : null;
            if (at >= 0) {
                ServiceOutcome o = outcomes.get(at);
                outcomes.set(at, new ServiceOutcome(o.host(), o.service(), o.status(), o.error() != null ? o.error()
                        : failed, o.changes(), o.handlers(), health.state(), o.images()));
            } else if (change.isPresent()) {
                outcomes.add(new ServiceOutcome(host, service, ServiceOutcome.Status.UNCHANGED, failed, List.of(),
                        List.of(), health.state()));
            }
        });
    }

    private void heal(String host, List<String> heal, String commit, Map<String, List<ResourceChange>> differs,
            Map<String, ServiceHealth> health, List<ServiceOutcome> outcomes, CycleReport report) {
        try (Workspace workspace = workspaces.open(Optional.of(commit), List.of(host), heal)) {
            List<HostOutcome> results = reconciler().apply(workspace, 1, h -> ApplyListener.SILENT, o -> { });
            List<ServiceOutcome> healed = new ArrayList<>();
            Outcomes.record(results, healed, board, true);
            results.stream().filter(r -> r instanceof HostOutcome.Applied).map(r -> (HostOutcome.Applied) r)
                    .forEach(applied -> health.putAll(Outcomes.healthAfter(applied)));
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
                outcomes.add(new ServiceOutcome(o.host(), o.service(), status, o.error(), found, o.handlers(),
                        HealthState.UNKNOWN, o.images()));
                String summary = status == ServiceOutcome.Status.FAILED
                        ? Outcomes.summary(found) + "\n" + Outcomes.failureReport(o) : Outcomes.summary(found);
                report.event(new Event(status == ServiceOutcome.Status.HEALED ? Event.Kind.DRIFT_HEALED
                        : Event.Kind.DRIFT_FOUND, o.host(), o.service(), commit, summary.strip(), clock.instant()));
            }
        }
    }
}
