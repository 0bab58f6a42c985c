package dev.driftless.web;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.driftless.store.HistoryQuery;
import dev.driftless.store.HistoryRows;
import dev.driftless.store.Reconcile;
import dev.driftless.store.ResourceChange;
import dev.driftless.store.ServiceOutcome;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.function.Supplier;

/**
 * Writes a page of history as the JSON of {@code GET /api/history} while its rows come from the store, so a page of
 * large diffs passes through and is never held whole. The shape is that of a list of {@link Reconcile} records:
 * {@code [{"id":..,"kind":"APPLY",..,"services":[{"host":..,"changes":[{"path":..,"diff":..}]}]}]}; without diffs a
 * change has no "diff" field at all.
 *
 * <p>Nothing is written until the first row arrives (or the page turns out empty), so a store that cannot be read
 * leaves the response untouched for an error answer.
 */
final class HistoryJson implements HistoryRows {

    private final Supplier<OutputStream> target;
    private final HistoryQuery.Diffs diffs;
    private JsonGenerator json;
    private boolean inReconcile;
    private boolean inService;

    private String agent;

    HistoryJson(Supplier<OutputStream> target, HistoryQuery.Diffs diffs) {
        this.target = target;
        this.diffs = diffs;
    }

    /** Whether anything has been written yet. */
    boolean started() {
        return json != null;
    }

    @Override
    public void reconcile(Reconcile r) {
        write(() -> {
            endReconcile();
            json.writeStartObject();
            json.writeNumberField("id", r.id());
            json.writeStringField("kind", r.kind().word());
            json.writeStringField("trigger", r.trigger());
            json.writeStringField("commit", r.commit());
            json.writeStringField("author", r.author());
            json.writeStringField("message", r.message());
            json.writeStringField("startedAt", r.startedAt().toString());
            json.writeStringField("finishedAt", r.finishedAt().toString());
            json.writeStringField("result", r.result().word());
            json.writeStringField("error", r.error());
            json.writeArrayFieldStart("services");
            inReconcile = true;
            agent = r.agent();
        });
    }

    @Override
    public void service(ServiceOutcome outcome) {
        write(() -> {
            endService();
            json.writeStartObject();
            json.writeStringField("host", outcome.host());
            json.writeStringField("service", outcome.service());
            json.writeStringField("status", outcome.status().word());
            json.writeStringField("error", outcome.error());
            json.writeArrayFieldStart("changes");
            inService = true;
        });
    }

    @Override
    public void change(ResourceChange change) {
        write(() -> {
            json.writeStartObject();
            json.writeStringField("path", change.path());
            json.writeStringField("action", change.action());
            json.writeStringField("cause", change.cause());
            if (diffs == HistoryQuery.Diffs.INCLUDED) {
                json.writeStringField("diff", change.diff());
            }
            json.writeEndObject();
        });
    }

    /** Ends the page and the response body. */
    void finish() {
        write(() -> {
            endReconcile();
            json.writeEndArray();
            json.close();
        });
    }

    @FunctionalInterface
    private interface Step {
        void run() throws IOException;
    }

    private void write(Step step) {
        try {
            if (json == null) {
                json = Json.mapper().getFactory().createGenerator(target.get());
                // a page cut short by a failure must not end as if it were complete
                json.disable(JsonGenerator.Feature.AUTO_CLOSE_JSON_CONTENT);
                json.writeStartArray();
            }
            step.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void endService() throws IOException {
        if (inService) {
            json.writeEndArray();
            json.writeEndObject();
            inService = false;
        }
    }

    private void endReconcile() throws IOException {
        endService();
        if (inReconcile) {
            json.writeEndArray();
            json.writeStringField("agent", agent);
            json.writeEndObject();
            inReconcile = false;
        }
    }
}
