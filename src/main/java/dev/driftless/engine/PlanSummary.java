package dev.driftless.engine;

import dev.driftless.plan.Action;
import dev.driftless.plan.Cause;
import dev.driftless.plan.Change;
import dev.driftless.plan.HostPlan;
import java.util.List;

/**
 * The counts under a plan, check or apply, computed once from its outcomes for every view of it (the text's
 * closing lines and the JSON's {@code summary}).
 *
 * @param drifted changes whose cause is drift (changed on the host since the last apply)
 * @param pending changes whose cause is a newer commit
 */
public record PlanSummary(long add, long change, long delete, long drifted, long pending) {

    public static PlanSummary of(List<HostOutcome> outcomes) {
        long add = 0;
        long change = 0;
        long delete = 0;
        long drifted = 0;
        long pending = 0;
        for (HostOutcome outcome : outcomes) {
            HostPlan plan = outcome instanceof HostOutcome.Planned p ? p.plan()
                    : outcome instanceof HostOutcome.Applied a ? a.plan() : null;
            if (plan == null) {
                continue;
            }
            add += plan.count(Action.CREATE);
            change += plan.count(Action.UPDATE);
            delete += plan.count(Action.DELETE);
            for (Change c : plan.changes()) {
                drifted += c.causes().contains(Cause.DRIFT) ? 1 : 0;
                pending += c.causes().contains(Cause.PENDING) ? 1 : 0;
            }
        }
        return new PlanSummary(add, change, delete, drifted, pending);
    }
}
