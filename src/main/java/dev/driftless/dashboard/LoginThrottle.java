package dev.driftless.dashboard;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows down guessing tokens at the sign-in form, per client address: the first {@link #FREE_FAILURES} failures
 * cost nothing, each one after them makes the address wait twice as long as the one before (1 s, 2 s, 4 s ... up to
 * {@link #MAX_WAIT}) before it may try again. A success, or an hour without failures, forgets the address.
 */
final class LoginThrottle {

    static final int FREE_FAILURES = 5;
    static final Duration MAX_WAIT = Duration.ofMinutes(15);
    private static final Duration FORGET_AFTER = Duration.ofHours(1);
    private static final int MAX_ADDRESSES = 10_000;

    private record Failures(int count, Instant last, Instant until) {
    }

    private final Clock clock;
    private final Map<String, Failures> failures = new ConcurrentHashMap<>();

    LoginThrottle(Clock clock) {
        this.clock = clock;
    }

    /** How long {@code address} must still wait before it may try to sign in; empty when it may now. */
    Optional<Duration> wait(String address) {
        Failures f = failures.get(address);
        Instant now = clock.instant();
        if (f == null || !now.isBefore(f.until())) {
            return Optional.empty();
        }
        return Optional.of(Duration.between(now, f.until()));
    }

    /** A wrong token from {@code address}; returns how many failed in a row. */
    int failed(String address) {
        Instant now = clock.instant();
        if (failures.size() >= MAX_ADDRESSES) {
            failures.entrySet().removeIf(e -> now.isAfter(e.getValue().last().plus(FORGET_AFTER)));
            if (failures.size() >= MAX_ADDRESSES) {
                failures.entrySet().stream().min(Comparator.comparing(e -> e.getValue().last()))
                        .ifPresent(e -> failures.remove(e.getKey()));
            }
        }
        Failures f = failures.compute(address, (a, was) -> {
            int count = was == null || now.isAfter(was.last().plus(FORGET_AFTER)) ? 1 : was.count() + 1;
            return new Failures(count, now, now.plus(waitAfter(count)));
        });
        return f.count();
    }

    /** A successful sign-in from {@code address}. */
    void succeeded(String address) {
        failures.remove(address);
    }

    private static Duration waitAfter(int count) {
        if (count < FREE_FAILURES) {
            return Duration.ZERO;
        }
        int doublings = Math.min(count - FREE_FAILURES, 20);
        Duration wait = Duration.ofSeconds(1L << doublings);
        return wait.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : wait;
    }
}
