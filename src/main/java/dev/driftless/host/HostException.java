package dev.driftless.host;

import dev.driftless.report.FailureKind;

/**
 * An operation on a host failed; the message names the host, the path and what to do. Most failures
 * would fail the same way again; those of reaching the host (a connection, a timeout, a lock held by
 * someone else) are {@linkplain FailureKind#TRANSIENT transient}.
 */
public final class HostException extends RuntimeException {

    private final FailureKind kind;

    public HostException(String message) {
        this(message, null, FailureKind.DETERMINISTIC);
    }

    public HostException(String message, Throwable cause) {
        this(message, cause, FailureKind.DETERMINISTIC);
    }

    private HostException(String message, Throwable cause, FailureKind kind) {
        super(message, cause);
        this.kind = kind;
    }

    /** The host could not be reached, or not in time: trying again later may work. */
    public static HostException transientFailure(String message, Throwable cause) {
        return new HostException(message, cause, FailureKind.TRANSIENT);
    }

    public FailureKind kind() {
        return kind;
    }
}
