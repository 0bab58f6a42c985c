package dev.driftless.apply;

import dev.driftless.plan.Change;
import dev.driftless.report.FailureKind;
import java.util.List;
import java.util.Optional;

/**
 * How an apply on one host ended.
 *
 * @param applied  the changes made, in the order they were made
 * @param failure  the change that could not be made, if any: the apply stopped there (later changes were not
 *                 made, but for the other stacks coming up, and no handler ran)
 * @param handlers every handler that ran, in order; those that failed stay owed and run again on the next apply
 */
public record ApplyResult(List<Change> applied, Optional<ChangeFailure> failure, List<HandlerResult> handlers) {

    /**
     * A change the host refused or could not make, with the host's message saying why, and whether trying again
     * may help (another apt held its lock).
     */
    public record ChangeFailure(Change change, String message, FailureKind kind) {
    }

    public ApplyResult {
        applied = List.copyOf(applied);
        handlers = List.copyOf(handlers);
    }

    public List<HandlerResult> failedHandlers() {
        return handlers.stream().filter(h -> !h.succeeded()).toList();
    }

    public boolean succeeded() {
        return failure.isEmpty() && handlers.stream().allMatch(HandlerResult::succeeded);
    }

    /** Whether {@code service} failed: a change of it could not be made, or one of its handlers failed. */
    public boolean failed(String service) {
        return failure.filter(f -> f.change().service().equals(service)).isPresent()
                || handlersOf(service).stream().anyMatch(h -> !h.succeeded());
    }

    /** The handlers of {@code service} that ran, in order. */
    public List<HandlerResult> handlersOf(String service) {
        return handlers.stream().filter(h -> h.handler().service().equals(service)).toList();
    }
}
