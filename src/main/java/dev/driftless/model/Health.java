package dev.driftless.model;

import java.util.List;

/** How a service's health is checked, and what to do when an apply leaves it unhealthy. */
public record Health(List<HealthCheck> checks, OnFailure onFailure) {

    public static final Health NONE = new Health(List.of(), OnFailure.ROLLBACK);

    /** What an apply does with a service whose health checks fail afterwards. */
    public enum OnFailure {
        /** Put it back as it was at the last commit that was healthy on that host (the default). */
        ROLLBACK,
        /** Leave it as applied and report (for stateful services, where going back does harm). */
        KEEP
    }

    public Health {
        checks = List.copyOf(checks);
    }
}
