package dev.driftless.agent;

import dev.driftless.report.HealthState;
import dev.driftless.report.SyncState;
import dev.driftless.store.HistoryQuery;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.Reconcile;
import dev.driftless.store.ServiceOutcome;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * What the agent last knew of each service on each host, and of its source and commits: the view behind
 * {@code /api/status}. Written by the loop, read by the HTTP side at any time.
 */
final class StatusBoard {

    /** How far back the history is read at start to know every host and service at once. */
    private static final int RESUME_RECONCILES = 200;

    private final Map<String, Map<String, AgentStatus.ServiceStatus>> services = new ConcurrentSkipListMap<>();
    volatile String appliedCommit;
    volatile Instant appliedAt;
    volatile String latestCommit;
    volatile String failedCommit;
    volatile String failure;
    volatile String sourceError;

    /** Every host and service as the newest reconciles of this agent left them, so a restart shows them at once. */
    void resume(HistoryStore history, String agent) {
        Set<String> seen = new HashSet<>();
        for (Reconcile reconcile : history.history(HistoryQuery.latest(RESUME_RECONCILES).withoutDiffs().ofAgent(agent))) {
            for (ServiceOutcome outcome : reconcile.services()) {
                if (outcome.service() == null || !seen.add(outcome.host() + "/" + outcome.service())) {
                    continue; // a newer reconcile said it already
                }
                set(outcome.host(), outcome.service(), syncOf(outcome.status()), outcome.status()
                        == ServiceOutcome.Status.DRIFTED ? outcome.changes().size() : 0);
            }
        }
    }

    private static SyncState syncOf(ServiceOutcome.Status status) {
        return switch (status) {
            case APPLIED, UNCHANGED, HEALED -> SyncState.IN_SYNC;
            case FAILED -> SyncState.FAILED;
            case DRIFTED -> SyncState.DRIFTED;
            case PENDING -> SyncState.PENDING;
            case SUSPENDED -> SyncState.SUSPENDED;
        };
    }

    /** A service's sync state; its health stays what the last health check found. */
    void set(String host, String service, SyncState sync, int drifted) {
        services.computeIfAbsent(host, h -> new ConcurrentSkipListMap<>()).compute(service, (s, was) ->
                new AgentStatus.ServiceStatus(service, sync, was == null ? HealthState.UNKNOWN : was.health(), drifted));
    }

    /** What a service's health checks found (after an apply, or at a drift check). */
    void health(String host, String service, HealthState health) {
        services.computeIfAbsent(host, h -> new ConcurrentSkipListMap<>()).compute(service, (s, was) ->
                new AgentStatus.ServiceStatus(service, was == null ? SyncState.IN_SYNC : was.sync(), health,
                        was == null ? 0 : was.driftedResources()));
    }

    /** Every listed service of a host in one state. */
    void setAll(String host, Collection<String> names, SyncState sync) {
        names.forEach(service -> set(host, service, sync, 0));
    }

    /** Every service the board knows of a host in one state (a host that could not be reached has failed). */
    void setHost(String host, SyncState sync) {
        services.computeIfAbsent(host, h -> new ConcurrentSkipListMap<>())
                .replaceAll((s, v) -> new AgentStatus.ServiceStatus(s, sync, v.health(), v.driftedResources()));
    }

    Optional<AgentStatus.ServiceStatus> get(String host, String service) {
        return Optional.ofNullable(services.getOrDefault(host, Map.of()).get(service));
    }

    /** Forgets services of a host that its commit no longer has. */
    void keepOnly(String host, Collection<String> names) {
        services.getOrDefault(host, new ConcurrentSkipListMap<>()).keySet().retainAll(Set.copyOf(names));
    }

    Set<String> hosts() {
        return services.keySet();
    }

    List<AgentStatus.ServiceStatus> services(String host) {
        return List.copyOf(services.getOrDefault(host, Map.of()).values());
    }
}
