package dev.driftless.web;

import java.time.Duration;
import java.util.Objects;

/**
 * The limits that keep the agent's HTTP side available to health checks and forges while other clients are slow or
 * greedy. {@link #DEFAULTS} is what the agent runs with; tests shorten the times.
 *
 * @param maxBodyBytes the largest request body accepted (webhooks and API); larger ones get 413
 * @param bodyDeadline how long a request body may take to arrive in full after its headers; then 408 and the
 *     connection is closed. A forge sends a webhook at once (GitHub gives up on a delivery after 10 s).
 * @param bodyMemory how many bytes all request bodies being received at one time may hold together; a body that
 *     would go over it gets 503 at once, so many half-sent bodies cannot run the agent out of heap
 * @param idleTimeout how long a connection may send and receive nothing before it is closed, and so how long a
 *     write to a client that stopped reading may block. Long enough for server-sent events with a heartbeat every
 *     15 s; no other limit depends on it.
 * @param historyPages how many {@code /api/history} responses may be sent at once; one more gets 503 at once. Each
 *     holds a request thread and a database connection for as long as its client takes to read it.
 */
public record HttpLimits(int maxBodyBytes, Duration bodyDeadline, long bodyMemory, Duration idleTimeout,
        int historyPages) {

    /**
     * The limits the agent runs with: 1 MiB bodies that arrive within 10 s, 32 MiB of them at once, 60 s idle,
     * 4 history pages at once.
     */
    public static final HttpLimits DEFAULTS = new HttpLimits(1024 * 1024, Duration.ofSeconds(10), 32L * 1024 * 1024,
            Duration.ofSeconds(60), 4);

    public HttpLimits {
        Objects.requireNonNull(bodyDeadline, "bodyDeadline");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (maxBodyBytes < 1 || bodyMemory < maxBodyBytes) {
            throw new IllegalArgumentException("the body limits must be positive and bodyMemory at least maxBodyBytes,"
                    + " not " + maxBodyBytes + " and " + bodyMemory);
        }
        if (historyPages < 1) {
            throw new IllegalArgumentException("historyPages must be at least 1, not " + historyPages);
        }
        if (bodyDeadline.isNegative() || bodyDeadline.isZero() || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("the body deadline and idle timeout must be positive");
        }
    }

    /** These limits with another body deadline. */
    public HttpLimits withBodyDeadline(Duration deadline) {
        return new HttpLimits(maxBodyBytes, deadline, bodyMemory, idleTimeout, historyPages);
    }
}
