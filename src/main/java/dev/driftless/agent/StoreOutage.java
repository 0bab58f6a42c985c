package dev.driftless.agent;

import dev.driftless.store.StoreException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the history database answers the agent's writes: what it remembers and what it records. A database that
 * stops answering must not stop the reconciles (they change hosts; the records only tell of it), so each writer
 * keeps what it could not write and tries again, and this says once that the database is gone, once that it is back,
 * and, meanwhile, since when and why, for the dashboard and status.
 */
final class StoreOutage {

    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

    /**
     * While the database does not answer, how long writers wait before they try again: a write to a database that
     * is down can take the pool's whole connection wait (15 s), which each cycle must not pay for every record.
     */
    static final java.time.Duration RETRY = java.time.Duration.ofSeconds(30);

    private final Clock clock;
    private Instant since;
    private Instant lastTry;
    private String error;

    StoreOutage(Clock clock) {
        this.clock = clock;
    }

    /** A write failed: the first failure of an outage is logged, the others only counted by their writers. */
    synchronized void failed(StoreException e) {
        lastTry = clock.instant();
        if (since == null) {
            since = clock.instant();
            error = e.getMessage();
            LOG.warn("the history database cannot be written ({}): reconciles go on; what the agent must remember and"
                    + " the records of its reconciles are kept in memory and written when it answers again", error);
        }
    }

    /** Whether a writer should try the database now: always while it answers, every {@link #RETRY} while not. */
    synchronized boolean mayTry() {
        return since == null || !clock.instant().isBefore(lastTry.plus(RETRY));
    }

    /** While the database does not answer, when writers may try it again. */
    synchronized Optional<Instant> retryAt() {
        return since == null ? Optional.empty() : Optional.of(lastTry.plus(RETRY));
    }

    /** A write succeeded: the end of an outage is logged. */
    synchronized void succeeded() {
        if (since != null) {
            LOG.info("the history database answers again (it did not since {}): what was kept is written", since);
            since = null;
            error = null;
        }
    }

    /** Since when and why the database does not answer, while it does not. */
    synchronized Optional<String> problem() {
        return since == null ? Optional.empty() : Optional.of("since " + since + ": " + error);
    }
}
