package dev.driftless.agent;

import dev.driftless.engine.PlanPrinter;
import dev.driftless.notify.Event;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.StoreException;
import dev.driftless.store.Reconcile;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a cycle's report goes: every reconcile to the history and the metrics, every event to the log
 * (one line each) and to the notifications. The one place that fans a report out.
 */
final class ReportSink {

    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

    /** Reconciles kept while the history database does not answer; beyond this many the oldest are dropped. */
    static final int KEPT_WHILE_UNAVAILABLE = 1000;

    private final HistoryStore history;
    private final AgentMetrics metrics;
    private final Consumer<Event> notify;
    private final StoreOutage outage;
    private final Deque<Reconcile> unrecorded = new ArrayDeque<>();
    private long dropped;

    ReportSink(HistoryStore history, AgentMetrics metrics, Consumer<Event> notify, StoreOutage outage) {
        this.history = history;
        this.metrics = metrics;
        this.notify = notify;
        this.outage = outage;
    }

    synchronized void publish(CycleReport report) {
        report.reconciles().forEach(this::keep);
        record();
        for (Reconcile reconcile : report.reconciles()) {
            metrics.reconcileFinished(Duration.between(reconcile.startedAt(), reconcile.finishedAt()),
                    reconcile.result().word());
            if (reconcile.kind() == Reconcile.Kind.APPLY && (reconcile.result() == Reconcile.Result.SUCCEEDED
                    || reconcile.result() == Reconcile.Result.NO_CHANGES)) {
                metrics.applied(reconcile.finishedAt());
            }
        }
        for (String line : report.lines()) {
            LOG.info(line);
        }
        for (Event event : report.events()) {
            if (event.kind().isProblem()) {
                LOG.warn(line(event));
            } else {
                LOG.info(line(event));
            }
            notify.accept(event);
        }
    }

    private void keep(Reconcile reconcile) {
        if (unrecorded.size() == KEPT_WHILE_UNAVAILABLE) {
            unrecorded.removeFirst();
            dropped++;
        }
        unrecorded.addLast(reconcile);
    }

    /**
     * Writes the reconciles not yet recorded, oldest first, until the database fails (they are tried again with the
     * next report).
     */
    private void record() {
        if (!outage.mayTry()) {
            return;
        }
        while (!unrecorded.isEmpty()) {
            try {
                history.record(unrecorded.peekFirst());
            } catch (StoreException e) {
                outage.failed(e);
                return;
            }
            unrecorded.removeFirst();
        }
        if (dropped > 0) {
            LOG.warn("{} reconciles of the outage were not recorded: the agent keeps at most {} while the history"
                    + " database does not answer", dropped, KEPT_WHILE_UNAVAILABLE);
            dropped = 0;
        }
        outage.succeeded();
    }

    /** "drift-found web-1/db at 1a2b3c4d5e6f: ~ /etc/db.conf" */
    static String line(Event event) {
        StringBuilder line = new StringBuilder(event.kind().word());
        if (!event.host().isEmpty()) {
            line.append(' ').append(event.host());
            if (!event.service().isEmpty()) {
                line.append('/').append(event.service());
            }
        }
        if (!event.commit().isEmpty()) {
            line.append(" at ").append(PlanPrinter.shortRevision(event.commit()));
        }
        if (!event.summary().isEmpty()) {
            // a summary of several lines (a failed handler's output) stays readable as one indented entry
            line.append(": ").append(event.summary().replace("\n", "\n    "));
        }
        return line.toString();
    }
}
