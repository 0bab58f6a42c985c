package dev.driftless.agent;

import dev.driftless.store.Fleet;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This agent's place in the {@link Fleet}: publishes its status document to the shared history database when it
 * changed and at least every heartbeat, on a thread of its own, so that a slow or unreachable database never holds
 * up a reconcile. A failure is logged once and tried again at each heartbeat; the recovery is logged once too.
 */
public final class FleetBeacon implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FleetBeacon.class);

    private final Fleet fleet;
    private final Supplier<String> status;
    private final Optional<String> advertisedUrl;
    private final Duration heartbeat;
    private final Thread thread;
    private final Object lock = new Object();
    // guarded by lock
    private boolean changed = true;
    private boolean closed;
    // only the beacon's thread reads and writes these
    private String published;
    private boolean failing;

    private FleetBeacon(Fleet fleet, Supplier<String> status, Optional<String> advertisedUrl, Duration heartbeat) {
        this.fleet = Objects.requireNonNull(fleet, "fleet");
        this.status = Objects.requireNonNull(status, "status");
        this.advertisedUrl = Objects.requireNonNull(advertisedUrl, "advertisedUrl");
        if (heartbeat.isZero() || heartbeat.isNegative()) {
            throw new IllegalArgumentException("the heartbeat must be positive, not " + heartbeat);
        }
        this.heartbeat = heartbeat;
        this.thread = new Thread(this::run, "driftless-fleet");
        thread.setDaemon(true);
    }

    /**
     * Publishes at once, then whenever {@link #changed} is called and the document differs from the one published
     * last, and every {@code heartbeat} in any case, until closed.
     *
     * @param status this agent's status document as JSON (what its {@code /api/status} serves), read when published
     * @param advertisedUrl where other agents' dashboards can reach this agent's API; empty: they show it read-only
     */
    public static FleetBeacon start(Fleet fleet, Supplier<String> status, Optional<String> advertisedUrl,
            Duration heartbeat) {
        FleetBeacon beacon = new FleetBeacon(fleet, status, advertisedUrl, heartbeat);
        beacon.thread.start();
        return beacon;
    }

    /** The status may have changed: it is published soon if it did. Never blocks (an agent's listener). */
    public void changed() {
        synchronized (lock) {
            changed = true;
            lock.notifyAll();
        }
    }

    private void run() {
        long due = System.nanoTime();
        while (true) {
            boolean heartbeatDue;
            synchronized (lock) {
                long left = due - System.nanoTime();
                while (!closed && !changed && left > 0) {
                    try {
                        TimeUnit.NANOSECONDS.timedWait(lock, left);
                    } catch (InterruptedException e) {
                        return;
                    }
                    left = due - System.nanoTime();
                }
                if (closed) {
                    return;
                }
                heartbeatDue = left <= 0;
                changed = false;
            }
            String document;
            try {
                document = status.get();
            } catch (RuntimeException e) {
                LOG.warn("cannot read this agent's status to publish it to the fleet", e);
                due = System.nanoTime() + heartbeat.toNanos();
                continue;
            }
            if (heartbeatDue || !document.equals(published)) {
                publish(document);
                due = System.nanoTime() + heartbeat.toNanos();
            }
        }
    }

    private void publish(String document) {
        try {
            fleet.publish(document, advertisedUrl, heartbeat);
            published = document;
            if (failing) {
                failing = false;
                LOG.info("published this agent's status to the fleet again");
            }
        } catch (RuntimeException e) {
            if (isClosed()) {
                return;
            }
            if (!failing) {
                failing = true;
                LOG.warn("cannot publish this agent's status to the fleet (the agent goes on reconciling; other agents"
                        + " show it stale meanwhile); trying again every {} s: {}", heartbeat.toMillis() / 1000.0,
                        e.getMessage());
            } else {
                LOG.debug("still cannot publish this agent's status to the fleet: {}", e.getMessage());
            }
        }
    }

    private boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    /** Stops publishing; a write under way is interrupted. What was published stays (and turns stale). */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
