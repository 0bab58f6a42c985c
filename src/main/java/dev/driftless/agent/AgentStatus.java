package dev.driftless.agent;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a running agent knows, for {@code /api/status}, {@code driftless status} and the metrics.
 *
 * @param source "ok" or "unavailable"
 * @param appliedCommit the commit last applied in full (empty before the first apply)
 * @param latestCommit the newest commit fetched (may be ahead of the applied one when it failed)
 */
public record AgentStatus(String repo, String ref, String source, Optional<String> sourceError,
        Optional<String> appliedCommit, Optional<Instant> appliedAt, Optional<String> latestCommit,
        Optional<String> failedCommit, Optional<String> failure, boolean suspended, List<HostStatus> hosts) {

    public AgentStatus {
        hosts = List.copyOf(hosts);
    }

    /** One host: whether automatic applies are suspended on it, and each of its services. */
    public record HostStatus(String host, boolean suspended, Optional<String> appliedCommit,
            List<ServiceStatus> services) {
        public HostStatus {
            services = List.copyOf(services);
        }
    }

    /**
     * One service on one host.
     *
     * @param state "in sync", "pending", "drifted", "failed" or "suspended"
     * @param driftedResources how many of its resources differ from the last apply on the host
     */
    public record ServiceStatus(String service, String state, int driftedResources) {
    }
}
