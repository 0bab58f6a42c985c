package dev.driftless.agent;

import dev.driftless.report.HealthState;
import dev.driftless.report.SyncState;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a running agent knows, for {@code /api/status}, {@code driftless status} and the metrics.
 *
 * @param formatVersion the version of this document's shape
 * @param agent the agent's name (several agents may share one history database)
 * @param source "ok" or "unavailable"
 * @param appliedCommit the commit last applied to every host it was meant for (empty before the first apply)
 * @param latestCommit the newest commit fetched (may be ahead of the applied one when it failed or is held back)
 * @param dryRun true when the agent only plans and reports, never applies
 */
public record AgentStatus(int formatVersion, String agent, String repo, String ref, String source,
        Optional<String> sourceError, Optional<String> appliedCommit, Optional<Instant> appliedAt,
        Optional<String> latestCommit, Optional<String> failedCommit, Optional<String> failure, boolean suspended,
        boolean dryRun, List<HostStatus> hosts) {

    /** The shape of this document; raised when a field changes meaning or goes away. */
    public static final int FORMAT_VERSION = 1;

    public AgentStatus {
        hosts = List.copyOf(hosts);
    }

    /**
     * One host: whether automatic applies are suspended on it (and by whom), the commit the agent applied
     * to it last (its target), the worst sync state of its services, and each service.
     */
    public record HostStatus(String host, boolean suspended, Optional<String> suspendedBy, Optional<String> appliedCommit,
            SyncState sync, List<ServiceStatus> services) {
        public HostStatus {
            services = List.copyOf(services);
        }
    }

    /**
     * One service on one host.
     *
     * @param health what its health checks found last (after an apply, or at a drift check); UNKNOWN when it has
     *     none, or none ran yet
     * @param driftedResources how many of its resources differ from its commit on the host
     */
    public record ServiceStatus(String service, SyncState sync, HealthState health, int driftedResources) {
    }
}
