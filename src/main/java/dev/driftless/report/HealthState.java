package dev.driftless.report;

/**
 * Whether what a service runs works, as Argo CD's health status: filled by health checks (packages,
 * units and checks come with the services of the next version); until then a service is UNKNOWN.
 */
public enum HealthState implements Word {
    HEALTHY,
    UNKNOWN,
    DEGRADED;

    /** The worse of two states. */
    public HealthState worst(HealthState other) {
        return other.ordinal() > ordinal() ? other : this;
    }
}
