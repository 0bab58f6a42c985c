package dev.driftless.model;

/** What the agent does when a service's resources changed on the host. */
public enum DriftPolicy {
    /** Re-apply the desired state. */
    HEAL,
    /** Report only. */
    ALERT
}
