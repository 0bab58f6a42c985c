package dev.driftless.notify;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * One entry under {@code notifications:} in {@code driftless.yaml}: where to send which events, and how often an
 * ongoing problem is repeated.
 *
 * @param name     the entry's key, such as {@code ops-slack}
 * @param notifier the destination
 * @param events   the kinds of event sent to it; {@code null} or empty for all
 * @param repeat   an ongoing problem is sent again at most this often; {@code null} for the default, one hour
 */
public record NotificationRule(String name, Notifier notifier, Set<Event.Kind> events, Duration repeat) {

    public static final Duration DEFAULT_REPEAT = Duration.ofHours(1);

    public NotificationRule {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(notifier, "notifier");
        events = events == null || events.isEmpty() ? Set.copyOf(EnumSet.allOf(Event.Kind.class)) : Set.copyOf(events);
        repeat = repeat == null ? DEFAULT_REPEAT : repeat;
        if (repeat.isNegative() || repeat.isZero()) {
            throw new IllegalArgumentException("repeat must be positive");
        }
    }
}
