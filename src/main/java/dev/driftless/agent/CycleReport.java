package dev.driftless.agent;

import dev.driftless.notify.Event;
import dev.driftless.store.Reconcile;
import java.util.ArrayList;
import java.util.List;

/**
 * What one cycle of the loop did, as values: the reconciles to record, the events to log and notify,
 * and other lines for the log. Built by a cycle, published by the {@link ReportSink}.
 */
final class CycleReport {

    private final List<Reconcile> reconciles = new ArrayList<>();
    private final List<Event> events = new ArrayList<>();
    private final List<String> lines = new ArrayList<>();

    CycleReport record(Reconcile reconcile) {
        reconciles.add(reconcile);
        return this;
    }

    CycleReport event(Event event) {
        events.add(event);
        return this;
    }

    CycleReport log(String line) {
        lines.add(line);
        return this;
    }

    List<Reconcile> reconciles() {
        return List.copyOf(reconciles);
    }

    List<Event> events() {
        return List.copyOf(events);
    }

    List<String> lines() {
        return List.copyOf(lines);
    }
}
