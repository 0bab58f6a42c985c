package dev.driftless.host;

/** An operation on a host failed; the message names the host, the path and what to do. */
public final class HostException extends RuntimeException {

    public HostException(String message) {
        super(message);
    }

    public HostException(String message, Throwable cause) {
        super(message, cause);
    }
}
