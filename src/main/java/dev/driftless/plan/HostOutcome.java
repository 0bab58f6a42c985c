package dev.driftless.plan;

import dev.driftless.apply.ApplyResult;

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

    /** The host could not be planned or applied at all. */
    record Failed(String host, String message) implements HostOutcome {
    }
}
