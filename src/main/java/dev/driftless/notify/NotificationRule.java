package dev.driftless.notify;

import dev.driftless.model.Notification;
import dev.driftless.model.NotificationEvent;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * One destination events are sent to, ready to use: the notifier of an entry under {@code notifications:} with its
 * secrets read, the events it gets, and how often an ongoing problem is repeated.
 *
 * @param name     the entry's key, such as {@code ops-slack}
 * @param notifier the destination
 * @param events   the events sent to it; {@code null} or empty for all
 * @param repeat   an ongoing problem is sent again at most this often; {@code null} for the default, one hour
 */
public record NotificationRule(String name, Notifier notifier, Set<NotificationEvent> events, Duration repeat) {

    public NotificationRule {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(notifier, "notifier");
        events = events == null || events.isEmpty() ? Set.copyOf(EnumSet.allOf(NotificationEvent.class))
                : Set.copyOf(events);
        repeat = repeat == null ? Notification.DEFAULT_REPEAT : repeat;
        if (repeat.isNegative() || repeat.isZero()) {
            throw new IllegalArgumentException("repeat must be positive");
        }
    }
}
