package dev.driftless.model;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * One entry under {@code notifications:} in driftless.yaml: where to send which events, how often an ongoing
 * problem is sent again, and how long one delivery may take.
 *
 * @param name        the entry's key, such as {@code ops-slack}
 * @param destination where the events go
 * @param events      the events sent there
 * @param repeat      an ongoing problem is sent again at most this often
 * @param timeout     the longest one delivery may take
 */
public record Notification(String name, Destination destination, Set<NotificationEvent> events, Duration repeat,
                           Duration timeout) {

    public static final Duration DEFAULT_REPEAT = Duration.ofHours(1);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration MAX_TIMEOUT = Duration.ofMinutes(5);

    public Notification {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(repeat, "repeat");
        Objects.requireNonNull(timeout, "timeout");
        if (events.isEmpty()) {
            throw new IllegalArgumentException("no events");
        }
        events = Set.copyOf(events);
        if (repeat.isNegative() || repeat.isZero() || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("repeat and timeout must be positive");
        }
    }
}
