package dev.driftless.plan;

import dev.driftless.apply.ApplyResult;
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
    }

    /** The host could not be planned or applied at all; {@code kind} says whether trying again may help. */
    record Failed(String host, String message, FailureKind kind) implements HostOutcome {

        /** A failure that would happen again. */
        public Failed(String host, String message) {
            this(host, message, FailureKind.DETERMINISTIC);
        }
    }
}
