package dev.driftless.health;

import dev.driftless.report.HealthState;
import java.util.List;

/**
 * The health of one service on one host: HEALTHY when all its checks passed, DEGRADED when any failed,
 * UNKNOWN when it has none.
 */
public record ServiceHealth(String service, HealthState state, List<CheckResult> checks) {

    public ServiceHealth {
        checks = List.copyOf(checks);
    }

    /** The health these results of the service's checks make. */
    public static ServiceHealth of(String service, List<CheckResult> checks) {
        HealthState state = checks.isEmpty() ? HealthState.UNKNOWN
                : checks.stream().allMatch(CheckResult::passed) ? HealthState.HEALTHY : HealthState.DEGRADED;
        return new ServiceHealth(service, state, checks);
    }

    /** The checks that failed, in the order the service lists them. */
    public List<CheckResult> failed() {
        return checks.stream().filter(check -> !check.passed()).toList();
    }
}
