package dev.driftless.model;

import java.util.Locale;
import java.util.Optional;

/**
 * What the agent can tell people about, as {@code events:} under {@code notifications:} names it. Six are
 * problems that go on until their resolution ends them: failed, untrusted commit and rewind refused until applied,
 * drift found until drift healed, source unavailable until recovered, unhealthy until healthy.
 */
public enum NotificationEvent {
    APPLIED, FAILED, DRIFT_FOUND, DRIFT_HEALED, RECOVERED, SOURCE_UNAVAILABLE,
    /** A service's health checks fail (after an apply it was kept, or at a drift check). */
    UNHEALTHY,
    /** A service that was unhealthy passes its health checks again. */
    HEALTHY,
    /**
     * The commit to apply carries no good signature from a trusted key (--verify-signatures): nothing of it is
     * applied, the hosts keep their commit. Ended, as a failure is, by the next commit applied.
     */
    UNTRUSTED_COMMIT,
    /**
     * The commit to apply does not descend from the newest commit a host ran (a force-push back, a rewritten
     * history): the host keeps its commit. Ended, as a failure is, by the next commit applied.
     */
    REWIND_REFUSED;

    /** The name written in driftless.yaml and in webhook bodies: {@code drift-found}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The event named {@code id} as written in driftless.yaml, such as {@code drift-found}. */
    public static Optional<NotificationEvent> ofId(String id) {
        for (NotificationEvent event : values()) {
            if (event.id().equals(id)) {
                return Optional.of(event);
            }
        }
        return Optional.empty();
    }

    /** A problem that goes on until its resolution ends it. */
    public boolean isProblem() {
        return this == FAILED || this == DRIFT_FOUND || this == SOURCE_UNAVAILABLE || this == UNHEALTHY
                || this == UNTRUSTED_COMMIT || this == REWIND_REFUSED;
    }

    /** The problem this event is about: itself for a problem, the problem it ends for a resolution. */
    public NotificationEvent problem() {
        return switch (this) {
            // a commit that could not be applied, for whatever reason, until one is
            case APPLIED, FAILED, UNTRUSTED_COMMIT, REWIND_REFUSED -> FAILED;
            case DRIFT_FOUND, DRIFT_HEALED -> DRIFT_FOUND;
            case RECOVERED, SOURCE_UNAVAILABLE -> SOURCE_UNAVAILABLE;
            case UNHEALTHY, HEALTHY -> UNHEALTHY;
        };
    }
}
