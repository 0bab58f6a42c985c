package dev.driftless.report;

/**
 * How a service on a host stands against the commit the agent decided for it, as Argo CD's sync status:
 * one value per service, and the worst of them for a host or a fleet.
 */
public enum SyncState implements Word {
    /** Matches its commit. */
    IN_SYNC,
    /** Differs, and the agent would act on it but its host is suspended. */
    SUSPENDED,
    /** A newer commit waits for it (held back by a suspension, a dry run, or not applied yet). */
    PENDING,
    /** Differs from its commit on the host, and is reported rather than healed (or healing failed). */
    DRIFTED,
    /** Its last apply failed. */
    FAILED;

    /** The worse of two states: a host is as bad as its worst service. */
    public SyncState worst(SyncState other) {
        return other.ordinal() > ordinal() ? other : this;
    }
}
