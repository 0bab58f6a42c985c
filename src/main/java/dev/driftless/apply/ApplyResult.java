package dev.driftless.apply;

import dev.driftless.plan.Change;
import dev.driftless.plan.HandlerRun;
import java.util.List;
import java.util.Optional;

/**
 * How an apply on one host ended.
 *
 * @param failure what stopped the apply, if anything (later changes were not made)
 * @param failedHandlers handlers that failed; they stay owed and run again on the next apply
 */
public record ApplyResult(List<Change> applied, Optional<String> failure, List<HandlerRun> failedHandlers) {

    public ApplyResult {
        applied = List.copyOf(applied);
        failedHandlers = List.copyOf(failedHandlers);
    }

    public boolean succeeded() {
        return failure.isEmpty() && failedHandlers.isEmpty();
    }
}
