package dev.driftless.engine;

import dev.driftless.apply.ApplyResult;
import dev.driftless.compose.StackRecord;
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
     * A plan and how applying it went: the health of the services it changed, the rollback to the host's last
     * healthy commit when one of them failed, and the images the host's stacks ran when the apply found it healthy
     * (empty when it did not: the rollback's apply has them then).
     */
    record Applied(HostPlan plan, ApplyResult result, Map<String, ServiceHealth> health, Optional<Rollback> rollback,
            List<StackImage> images) implements HostOutcome {

        public Applied {
            health = Map.copyOf(health);
            images = List.copyOf(images);
        }

        /** An apply not found healthy (yet). */
        public Applied(HostPlan plan, ApplyResult result, Map<String, ServiceHealth> health, Optional<Rollback> rollback) {
            this(plan, result, health, rollback, List.of());
        }

        /** An apply no health check was run after. */
        public Applied(HostPlan plan, ApplyResult result) {
            this(plan, result, Map.of(), Optional.empty());
        }

        /** The same apply, found healthy with its stacks running {@code ran}. */
        Applied healthy(List<StackImage> ran) {
            return new Applied(plan, result, health, rollback, ran);
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
     * The image one compose service of a stack ran when the host was found healthy, as the host's state records it
     * (what a rollback to that commit pins).
     *
     * @param service the service of the repository whose stack it is
     * @param stack the stack (compose project)
     * @param composeService the service of the compose file
     */
    record StackImage(String service, String stack, String composeService, StackRecord.Image image) {
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
