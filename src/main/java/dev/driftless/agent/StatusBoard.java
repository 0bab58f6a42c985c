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
    private static final int MAX_COMMITS = 64;

    private final Map<String, Map<String, AgentStatus.ServiceStatus>> services = new ConcurrentSkipListMap<>();
    /** Each service's resources, drift, health checks and handlers as last found, for its page on the dashboard. */
    final ServiceFindings findings;
    volatile String appliedCommit;
    volatile Instant appliedAt;
    volatile String latestCommit;
    volatile String failedCommit;
    volatile String failure;
    volatile String sourceError;
    volatile Instant fetchedAt;
    volatile Instant unavailableSince;
    /** The ref's newest commit while it is refused as untrusted (--verify-signatures). */
    volatile AgentStatus.Untrusted untrusted;
    /** The commits status may name, newest last; bounded, as only a few are named at a time. */
    private final Map<String, AgentStatus.Commit> commits = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, AgentStatus.Commit> eldest) {
                    return size() > MAX_COMMITS;
                }
            });

    StatusBoard(java.time.Clock clock) {
        this.findings = new ServiceFindings(clock);
    }

    /**
     * Every host and service as the newest reconciles of this agent left them, so a restart shows them at once: the
     * sync of the newest outcome, the health of the newest outcome a health check ran for (a degraded service stays
     * degraded, and is not reported as turning degraded again). A failed apply's health is not taken: its rollback
     * may have made the service healthy again.
     */
    void resume(HistoryStore history, String agent) {
        Set<String> seen = new HashSet<>();
        Set<String> checked = new HashSet<>();
        java.util.LinkedHashMap<String, AgentStatus.Commit> applied = new java.util.LinkedHashMap<>();
        for (Reconcile reconcile : history.history(HistoryQuery.latest(RESUME_RECONCILES).withoutDiffs().ofAgent(agent))) {
            if (reconcile.kind() == Reconcile.Kind.APPLY && reconcile.commit() != null) {
                applied.putIfAbsent(reconcile.commit(), new AgentStatus.Commit(reconcile.commit(),
                        Optional.ofNullable(reconcile.author()).orElse(""),
                        Optional.ofNullable(reconcile.message()).orElse(""), Optional.empty(),
                        Optional.ofNullable(reconcile.signer())));
            }
            for (ServiceOutcome outcome : reconcile.services()) {
                if (outcome.service() == null) {
                    continue;
                }
                String key = outcome.host() + "/" + outcome.service();
                // older reconciles come later: each says only what no newer one said
                if (seen.add(key)) {
                    set(outcome.host(), outcome.service(), syncOf(outcome.status()), outcome.status()
                            == ServiceOutcome.Status.DRIFTED ? outcome.changes().size() : 0);
                }
                if (outcome.health() != HealthState.UNKNOWN && outcome.status() != ServiceOutcome.Status.FAILED
                        && checked.add(key)) {
                    health(outcome.host(), outcome.service(), outcome.health());
                }
            }
        }
        // oldest first, so the newest are kept when there are more than the board holds
        List<AgentStatus.Commit> newestFirst = List.copyOf(applied.values());
        for (int i = newestFirst.size() - 1; i >= 0; i--) {
            commits.putIfAbsent(newestFirst.get(i).id(), newestFirst.get(i));
        }
    }

    /** What Git says of a commit the agent read. */
    void commit(String id, String author, String message, Optional<Instant> at) {
        commit(id, author, message, at, Optional.empty());
    }

    /** What Git says of a commit the agent read, and who signed it (a trusted key). */
    void commit(String id, String author, String message, Optional<Instant> at, Optional<String> signer) {
        commits.put(id, new AgentStatus.Commit(id, author, message, at, signer));
    }

    /** The commits known among {@code ids}. */
    List<AgentStatus.Commit> commits(Collection<String> ids) {
        synchronized (commits) {
            return ids.stream().distinct().map(commits::get).filter(java.util.Objects::nonNull).toList();
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

    /** What a service's health checks found (after an apply, or at a drift check); returns what it was before. */
    HealthState health(String host, String service, HealthState health) {
        HealthState[] before = {HealthState.UNKNOWN};
        services.computeIfAbsent(host, h -> new ConcurrentSkipListMap<>()).compute(service, (s, was) -> {
            if (was != null) {
                before[0] = was.health();
            }
            return new AgentStatus.ServiceStatus(service, was == null ? SyncState.IN_SYNC : was.sync(), health,
                    was == null ? 0 : was.driftedResources());
        });
        return before[0];
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
