package dev.driftless.engine;

import dev.driftless.apply.ApplyResult;
import dev.driftless.plan.HostPlan;
import dev.driftless.report.FailureKind;

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

    /** A plan and how applying it went. */
    record Applied(HostPlan plan, ApplyResult result) implements HostOutcome {
        @Override
        public String host() {
            return plan.hostName();
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

    /** The host could not be planned or applied at all; {@code kind} says whether trying again may help. */
    record Failed(String host, String message, FailureKind kind) implements HostOutcome {

        /** A failure that would happen again. */
        public Failed(String host, String message) {
            this(host, message, FailureKind.DETERMINISTIC);
        }
    }
}
