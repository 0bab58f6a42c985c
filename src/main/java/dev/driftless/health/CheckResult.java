package dev.driftless.health;

import dev.driftless.model.HealthCheck;

/**
 * How one health check ended on one host.
 *
 * @param passed  whether it passed as many times in a row as it asks for, within its timeout
 * @param detail  why, in one line a user understands, at most {@value #MAX_DETAIL} characters: {@code HTTP 503},
 *                {@code connection refused}, {@code exit 3: <last line of output>}, {@code unit is failed},
 *                {@code passed 1 of 3 times in a row before the 30s timeout}
 * @param samples how many times it was tried
 */
public record CheckResult(HealthCheck check, boolean passed, String detail, int samples) {

    public static final int MAX_DETAIL = 200;

    public CheckResult {
        detail = OneLine.of(detail, MAX_DETAIL);
    }
}
