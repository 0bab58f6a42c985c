package dev.driftless.health;

import dev.driftless.host.Host;
import dev.driftless.model.HealthCheck;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;

/**
 * Runs services' health checks on one host, from the host's point of view: 127.0.0.1 in a URL or a tcp target
 * is the host's own loopback (over SSH the connection is forwarded through the session), commands,
 * {@code systemctl} and the container engine's {@code inspect} run on the host. All checks of all services run at once; each takes a sample a second.
 *
 * <p>{@link #afterApply} is what follows an apply: each check must pass {@code successes} times in a row within
 * its {@code timeout}. {@link #sample} is the agent's drift check: one sample a check, and only a check whose
 * sample fails gets the full semantics, so a healthy host costs one round of samples.
 */
public final class HealthChecks {

    /** The time between the starts of two samples of a check. */
    public static final Duration CADENCE = Duration.ofSeconds(1);

    /** Waits between samples; a test's moves its clock instead of sleeping. */
    @FunctionalInterface
    public interface Pause {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final Clock clock;
    private final Pause pause;
    private final Probe probe;

    /**
     * @param clock measures each check's timeout and the cadence of its samples
     * @param pause waits for the next sample
     * @param tls   the trust https checks verify certificates with
     */
    public HealthChecks(Clock clock, Pause pause, SSLContext tls) {
        this(clock, pause, () -> tls);
    }

    private HealthChecks(Clock clock, Pause pause, Supplier<SSLContext> tls) {
        this.clock = clock;
        this.pause = pause;
        this.probe = new Probe(tls);
    }

    /**
     * On the system clock, sleeping between samples, trusting what Java trusts (its cacerts). Java's TLS context is
     * made when an https check first needs it: reading cacerts costs every command ~0.1 s, and most have none.
     */
    public static HealthChecks inRealTime() {
        return new HealthChecks(Clock.systemUTC(), duration -> Thread.sleep(duration.toMillis()), () -> {
            try {
                return SSLContext.getDefault();
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("this Java has no TLS", e);
            }
        });
    }

    /**
     * The health of each service after an apply: every check passes only after {@code successes} passes in a
     * row, a sample a second, within its {@code timeout}. Returns when every check has passed or run out of
     * time, so at most the longest timeout (plus one sample) after it is called.
     *
     * @param byService each service's checks; a service without any is UNKNOWN
     * @param mask      replaces the repository's secret values in what commands print, before it is cut to a line
     * @return each service's health, in the order of {@code byService}
     */
    public Map<String, ServiceHealth> afterApply(Host host, Map<String, List<HealthCheck>> byService,
            UnaryOperator<String> mask) {
        return afterApply(host, Optional.empty(), byService, mask);
    }

    /**
     * The same, on a host whose container engine is at {@code dockerHost} (as DOCKER_HOST takes it) when it names
     * one; else {@code container:} checks ask the engine its CLI finds.
     */
    public Map<String, ServiceHealth> afterApply(Host host, Optional<String> dockerHost,
            Map<String, List<HealthCheck>> byService, UnaryOperator<String> mask) {
        return each(host, byService, check -> untilPassed(host, dockerHost, check, mask, new Streak(check),
                clock.instant()));
    }

    /**
     * The health of each service as the agent checks for drift: one sample a check; a check whose sample
     * fails then gets the full semantics of {@link #afterApply} (a service restarting right then is not
     * reported), counting that sample as its first.
     */
    public Map<String, ServiceHealth> sample(Host host, Map<String, List<HealthCheck>> byService,
            UnaryOperator<String> mask) {
        return sample(host, Optional.empty(), byService, mask);
    }

    /** The same, on a host whose container engine is at {@code dockerHost} when it names one. */
    public Map<String, ServiceHealth> sample(Host host, Optional<String> dockerHost,
            Map<String, List<HealthCheck>> byService, UnaryOperator<String> mask) {
        return each(host, byService, check -> {
            Instant start = clock.instant();
            Sample first = probe.take(host, check, dockerHost, limit(check, start.plus(check.timeout())), mask);
            if (first.passed()) {
                return new CheckResult(check, true, first.detail(), 1);
            }
            Streak streak = new Streak(check);
            streak.add(first);
            return untilPassed(host, dockerHost, check, mask, streak, start);
        });
    }

    /** One check to its end. */
    private interface Run {
        CheckResult check(HealthCheck check) throws InterruptedException;
    }

    private Map<String, ServiceHealth> each(Host host, Map<String, List<HealthCheck>> all, Run run) {
        // a check that cannot apply here (a unit under a root, where nothing runs) is left out, not failed: a
        // root is an image being built, and its services are not running to be checked
        Map<String, List<HealthCheck>> byService = new LinkedHashMap<>();
        all.forEach((service, checks) -> byService.put(service,
                checks.stream().filter(check -> Probe.cannotPass(host, check).isEmpty()).toList()));
        int total = byService.values().stream().mapToInt(List::size).sum();
        Map<String, ServiceHealth> health = new LinkedHashMap<>();
        if (total == 0) {
            byService.keySet().forEach(service -> health.put(service, ServiceHealth.of(service, List.of())));
            return health;
        }
        // one thread a check: each mostly waits (for an answer, or for its next sample)
        ExecutorService pool = Executors.newFixedThreadPool(total, task -> {
            Thread thread = new Thread(task, "driftless-health-" + host.name());
            thread.setDaemon(true);
            return thread;
        });
        try {
            Map<String, List<Future<CheckResult>>> running = new LinkedHashMap<>();
            byService.forEach((service, checks) -> running.put(service,
                    checks.stream().map(check -> pool.submit(() -> unchecked(run, check))).toList()));
            for (Map.Entry<String, List<Future<CheckResult>>> service : running.entrySet()) {
                List<CheckResult> results = new ArrayList<>();
                for (Future<CheckResult> result : service.getValue()) {
                    results.add(result.get());
                }
                health.put(service.getKey(), ServiceHealth.of(service.getKey(), results));
            }
            return health;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking the health of services on " + host.name(), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Runs a check, an interruption (the pool shutting down) ending it as an unchecked exception. */
    private static CheckResult unchecked(Run run, HealthCheck check) {
        try {
            return run.check(check);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Samples a sample a second, from {@code start} (when the streak's first sample, if any, was taken) until
     * the check has passed often enough in a row, or no sample can start before its timeout.
     */
    private CheckResult untilPassed(Host host, Optional<String> dockerHost, HealthCheck check,
            UnaryOperator<String> mask, Streak streak, Instant start) throws InterruptedException {
        Instant deadline = start.plus(check.timeout());
        Instant next = start;
        while (!streak.passed()) {
            if (streak.samples() > 0) {
                Instant now = clock.instant();
                // a slow sample delays the next one, and never brings several at once to catch up
                next = next.plus(CADENCE);
                if (next.isBefore(now)) {
                    next = now;
                }
                if (!next.isBefore(deadline)) {
                    break;
                }
                if (now.isBefore(next)) {
                    pause.sleep(Duration.between(now, next));
                }
            }
            streak.add(probe.take(host, check, dockerHost, limit(check, deadline), mask));
        }
        return streak.result();
    }

    /** How long the next sample may take: its kind's limit, and never past the check's timeout. */
    private Duration limit(HealthCheck check, Instant deadline) {
        Duration left = Duration.between(clock.instant(), deadline);
        Duration limit = Probe.limit(check);
        return left.compareTo(limit) < 0 ? (left.isNegative() || left.isZero() ? Duration.ofMillis(1) : left) : limit;
    }
}
