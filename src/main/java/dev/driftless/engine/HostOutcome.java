package dev.driftless.engine;

import dev.driftless.apply.ApplyResult;
import dev.driftless.plan.HostPlan;
import dev.driftless.health.ServiceHealth;
import dev.driftless.report.FailureKind;
import dev.driftless.report.HealthState;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What a command did for one host: planned it, applied it, or failed to reach or read it. */
public sealed interface HostOutcome {

    String host();

    /** A plan (for plan and check). */
    record Planned(HostPlan plan) implements HostOutcome {
        @Override
        public String host() {
            return plan.hostName();
        }
    }

    /**
     * A plan and how applying it went: the health of the services it changed, and the rollback to the host's last
     * healthy commit when one of them failed.
     */
    record Applied(HostPlan plan, ApplyResult result, Map<String, ServiceHealth> health, Optional<Rollback> rollback)
            implements HostOutcome {

        public Applied {
            health = Map.copyOf(health);
        }

        /** An apply no health check was run after. */
        public Applied(HostPlan plan, ApplyResult result) {
            this(plan, result, Map.of(), Optional.empty());
        }

        @Override
        public String host() {
            return plan.hostName();
        }

        /** Every change made, every handler ran, and every service checked is healthy: the commit holds here. */
        public boolean succeeded() {
            return result.succeeded() && unhealthy().isEmpty() && rollback.isEmpty();
        }

        /** The services whose health checks failed after the apply. */
        public List<String> unhealthy() {
            return health.values().stream().filter(h -> h.state() == HealthState.DEGRADED).map(ServiceHealth::service)
                    .toList();
        }

        /**
         * Whether the apply stopped (at another service's change) before it made every change of {@code service}
         * or ran its handlers: that service is neither applied nor failed, but still pending.
         */
        public boolean cutShort(String service) {
            if (result.failure().isEmpty() || result.failed(service)) {
                return false;
            }
            return plan.changes().stream().anyMatch(c -> c.service().equals(service) && !result.applied().contains(c))
                    || plan.handlers().stream().anyMatch(h -> h.service().equals(service));
        }
    }

    /**
     * What became of a host whose apply left a service unhealthy: put back at {@code revision} (the last commit
     * that was healthy there), or, when {@code refused} says why, left as the failed apply left it.
     *
     * @param services the services whose failure asked for the rollback
     */
    record Rollback(String revision, List<String> services, Optional<Applied> applied, Optional<String> refused) {

        public Rollback {
            services = List.copyOf(services);
        }

        /** The host is back at the healthy commit, and healthy there. */
        public boolean restored() {
            return applied.isPresent() && applied.get().result().succeeded() && applied.get().unhealthy().isEmpty();
        }
    }

    /** The host could not be planned or applied at all; {@code kind} says whether trying again may help. */
    record Failed(String host, String message, FailureKind kind) implements HostOutcome {

        /** A failure that would happen again. */
        public Failed(String host, String message) {
            this(host, message, FailureKind.DETERMINISTIC);
        }
    }
}
