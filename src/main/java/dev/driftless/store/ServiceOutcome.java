package dev.driftless.store;

import java.util.List;

/**
 * What a reconcile did to one service on one host.
 *
 * @param service the service, or null for an outcome of the whole host (e.g. it could not be reached)
 * @param changes the resources changed (or found drifted), in the order they were planned
 */
public record ServiceOutcome(String host, String service, Status status, String error, List<ResourceChange> changes) {

    /** The state of one service on one host after a reconcile. */
    public enum Status implements dev.driftless.report.Word {
        APPLIED, UNCHANGED, FAILED, DRIFTED, HEALED, PENDING, SUSPENDED
    }

    public ServiceOutcome {
        changes = changes == null ? List.of() : List.copyOf(changes);
    }
}
