package dev.driftless.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The one JSON document of a page of history, written while its rows come from the store (so a page of large diffs
 * passes through and is never held whole): what {@code GET /api/history} serves and {@code driftless history
 * --output json} prints, byte for byte. Its shape, version {@value #FORMAT_VERSION}, is documented in docs/json.md:
 * <pre>
 * {"formatVersion":1,"reconciles":[{"id":..,"agent":..,"kind":"drift-check",..,"signer":null,..,"seen":3,
 *   "lastSeenAt":..,"services":[{"host":..,"service":..,"status":"drifted","health":"unknown","error":null,"handlers":[],
 *   "images":[{"stack":"app","composeService":"web","reference":..,"id":"sha256:..","digest":..}],
 *   "changes":[{"path":..,"action":"update","cause":"drift","diff":..}]}]}],"next":"41"}
 * </pre>
 * Without diffs a change has no "diff" field at all. Nothing is written until the first row arrives (or the page
 * ends empty), so a store that cannot be read leaves the target untouched for an error answer.
 */
public final class HistoryDocument implements HistoryRows {

    /** The version of the document's shape: raised when a field changes meaning or goes away. */
    public static final int FORMAT_VERSION = 1;

    private static final JsonFactory FACTORY = new JsonFactory();

    private final Supplier<Writer> target;
    private final HistoryQuery.Diffs diffs;
    private JsonGenerator json;
    private boolean inReconcile;
    private boolean inService;
    private String next;

    public HistoryDocument(Supplier<Writer> target, HistoryQuery.Diffs diffs) {
        this.target = target;
        this.diffs = diffs;
    }

    /** Whether anything has been written yet. */
    public boolean started() {
        return json != null;
    }

    @Override
    public void reconcile(Reconcile r) {
        write(() -> {
            endReconcile();
            json.writeStartObject();
            json.writeNumberField("id", r.id());
            json.writeStringField("agent", r.agent());
            json.writeStringField("kind", r.kind().word());
            json.writeStringField("trigger", r.trigger());
            json.writeStringField("commit", r.commit());
            json.writeStringField("author", r.author());
            json.writeStringField("message", r.message());
            // who signed the commit, when the agent verified it; null when it did not
            json.writeStringField("signer", r.signer());
            json.writeStringField("startedAt", r.startedAt().toString());
            json.writeStringField("finishedAt", r.finishedAt().toString());
            json.writeNumberField("durationSeconds", Duration.between(r.startedAt(), r.finishedAt()).toNanos() / 1e9);
            json.writeStringField("result", r.result().word());
            json.writeStringField("error", r.error());
            json.writeNumberField("seen", r.seen());
            json.writeStringField("lastSeenAt", r.lastSeenAt().toString());
            json.writeArrayFieldStart("services");
            inReconcile = true;
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
            json.writeStringField("health", outcome.health().word());
            json.writeStringField("error", outcome.error());
            json.writeArrayFieldStart("handlers");
            for (HandlerOutcome handler : outcome.handlers()) {
                json.writeStartObject();
                json.writeStringField("handler", handler.handler());
                json.writeBooleanField("succeeded", handler.succeeded());
                if (handler.exitCode() == null) {
                    json.writeNullField("exitCode");
                } else {
                    json.writeNumberField("exitCode", handler.exitCode());
                }
                json.writeStringField("result", handler.result());
                json.writeStringField("output", handler.output());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeArrayFieldStart("images");
            for (ServiceImage image : outcome.images()) {
                json.writeStartObject();
                json.writeStringField("stack", image.stack());
                json.writeStringField("composeService", image.composeService());
                json.writeStringField("reference", image.reference());
                json.writeStringField("id", image.imageId());
                json.writeStringField("digest", image.digest().orElse(null));
                json.writeEndObject();
            }
            json.writeEndArray();
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

    @Override
    public void more(long cursor) {
        next = Long.toString(cursor);
    }

    /** Ends the page (with the cursor of the next one, or null) and the document, and flushes it. */
    public void finish() {
        write(() -> {
            endReconcile();
            json.writeEndArray();
            json.writeStringField("next", next);
            json.writeEndObject();
            json.writeRaw('\n');
            json.flush();
        });
    }

    @FunctionalInterface
    private interface Step {
        void run() throws IOException;
    }

    private void write(Step step) {
        try {
            if (json == null) {
                json = FACTORY.createGenerator(target.get());
                // a page cut short by a failure must not end as if it were complete; the target is its owner's
                json.disable(JsonGenerator.Feature.AUTO_CLOSE_JSON_CONTENT);
                json.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
                json.writeStartObject();
                json.writeNumberField("formatVersion", FORMAT_VERSION);
                json.writeArrayFieldStart("reconciles");
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
            json.writeEndObject();
            inReconcile = false;
        }
    }
}
