package dev.driftless.notify;

/**
 * A notification was not delivered. The message names the destination and what went wrong (an HTTP status, a
 * timeout, the mail server's refusal); it never carries a webhook URL, token, password or HMAC secret.
 */
public final class NotifyException extends Exception {

    private static final long serialVersionUID = 1L;

    private final boolean retryable;

    /** A failure that may pass (a timeout, a 5xx answer): it is tried again. */
    public NotifyException(String message) {
        this(message, true, null);
    }

    public NotifyException(String message, Throwable cause) {
        this(message, true, cause);
    }

    /** @param retryable whether trying again may help; {@code false} for a refusal such as HTTP 404 or a bad login */
    public NotifyException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    /** Whether trying again may help. */
    public boolean retryable() {
        return retryable;
    }
}
