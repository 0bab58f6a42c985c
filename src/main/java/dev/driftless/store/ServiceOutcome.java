package dev.driftless.store;

import dev.driftless.report.HealthState;
import java.util.List;

/**
 * What a reconcile did to one service on one host.
 *
 * @param service  the service, or null for an outcome of the whole host (e.g. it could not be reached)
 * @param changes  the resources changed (or found drifted), in the order they were planned
 * @param handlers the handlers of the service that ran, in the order they ran, with the end of their output
 * @param health   what the service's health checks found during this reconcile: UNKNOWN when none ran (it has
 *                 none, the reconcile did not touch it, or the row is older than health checks)
 * @param images   the image each compose service of the service's stacks ran when this reconcile (or the rollback
 *                 it made) found the host healthy, in the order of the stacks and their compose files; empty when
 *                 it has no stack or the host was not found healthy
 */
public record ServiceOutcome(String host, String service, Status status, String error, List<ResourceChange> changes,
        List<HandlerOutcome> handlers, HealthState health, List<ServiceImage> images) {

    /** The state of one service on one host after a reconcile. */
    public enum Status implements dev.driftless.report.Word {
        APPLIED, UNCHANGED, FAILED, DRIFTED, HEALED, PENDING, SUSPENDED
    }

    public ServiceOutcome {
        changes = changes == null ? List.of() : List.copyOf(changes);
        handlers = handlers == null ? List.of() : List.copyOf(handlers);
        health = health == null ? HealthState.UNKNOWN : health;
        images = images == null ? List.of() : List.copyOf(images);
    }

    /** An outcome without images. */
    public ServiceOutcome(String host, String service, Status status, String error, List<ResourceChange> changes,
            List<HandlerOutcome> handlers, HealthState health) {
        this(host, service, status, error, changes, handlers, health, List.of());
    }

    /** An outcome no health check ran for. */
    public ServiceOutcome(String host, String service, Status status, String error, List<ResourceChange> changes,
            List<HandlerOutcome> handlers) {
        this(host, service, status, error, changes, handlers, HealthState.UNKNOWN);
    }

    /** An outcome during which no handler and no health check ran. */
    public ServiceOutcome(String host, String service, Status status, String error, List<ResourceChange> changes) {
        this(host, service, status, error, changes, List.of());
    }
}
