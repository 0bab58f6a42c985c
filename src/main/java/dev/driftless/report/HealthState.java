package dev.driftless.report;

/**
 * Whether what a service runs works, as Argo CD's health status: what its health checks found after the last
 * apply that touched it or at the last drift check; UNKNOWN for a service without checks, or none ran yet.
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
