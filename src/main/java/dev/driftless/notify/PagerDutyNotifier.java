package dev.driftless.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * PagerDuty's Events API v2: a problem (failed, untrusted commit, rewind refused, drift found, source unavailable,
 * unhealthy) triggers an alert, its resolution (applied, drift healed, recovered, healthy) resolves it. Both carry
 * the same {@code dedup_key}, made from the agent, the problem, the host and the service, so that a problem sent again
 * (after {@code repeat}, or for a newer commit) joins its open incident and the resolution closes it. The routing key travels in the body only and is removed
 * from every message.
 */
public final class PagerDutyNotifier extends HttpNotifier implements IncidentNotifier {

    /** PagerDuty's limits: a summary of 1024 characters, a dedup key of 255. */
    static final int MAX_SUMMARY = 1024;
    static final int MAX_DEDUP_KEY = 255;
    static final int MAX_EXPLANATION = 300;

    private final URI url;
    private final String routingKey;
    private final String agent;

    /**
     * @param url        the Events API, {@code Destination.PagerDuty.EVENTS_API} but in tests
     * @param routingKey the integration key of the PagerDuty service
     * @param agent      the agent's name, part of every dedup key: agents sharing a service keep their incidents apart
     */
    public PagerDutyNotifier(String name, URI url, String routingKey, String agent, Duration timeout) {
        super(name, timeout);
        this.url = Objects.requireNonNull(url, "url");
        this.routingKey = Objects.requireNonNull(routingKey, "routingKey");
        this.agent = Objects.requireNonNull(agent, "agent");
        if (routingKey.isBlank()) {
            throw new IllegalArgumentException("the routing key is empty");
        }
    }

    @Override
    public void send(Event event) throws NotifyException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("routing_key", routingKey);
        body.put("dedup_key", dedupKey(event));
        if (event.kind().isProblem()) {
            body.put("event_action", "trigger");
            Map<String, Object> payload = new LinkedHashMap<>();
            payload.put("summary", Messages.truncate(Messages.title(event) + summary(event), MAX_SUMMARY));
            payload.put("source", event.host().isEmpty() ? agent : event.host());
            payload.put("severity", event.kind() == Event.Kind.DRIFT_FOUND ? "warning" : "error");
            payload.put("timestamp", DateTimeFormatter.ISO_INSTANT.format(event.at()));
            if (!event.service().isEmpty()) {
                payload.put("component", event.service());
            }
            payload.put("group", agent);
            payload.put("class", event.kind().id());
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("commit", event.commit());
            if (!event.signer().isEmpty()) {
                details.put("signer", event.signer());
            }
            details.put("summary", event.summary());
            payload.put("custom_details", details);
            body.put("payload", payload);
        } else {
            body.put("event_action", "resolve");
        }
        post(url, "application/json", json(body), Map.of());
    }

    private static String summary(Event event) {
        String summary = Messages.oneLine(event.summary().strip());
        return summary.isEmpty() ? "" : ": " + summary;
    }

    /**
     * {@code driftless/<agent>/<problem>/<host>/<service>}: the same for a problem and its resolution (applied
     * resolves failed). Too long for PagerDuty, it is replaced by its SHA-256.
     */
    String dedupKey(Event event) {
        String key = String.join("/", "driftless", agent, event.kind().event().problem().id(), event.host(),
                event.service());
        if (key.length() <= MAX_DEDUP_KEY) {
            return key;
        }
        try {
            return "driftless/" + HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** PagerDuty answers a refusal with {@code {"message": ..., "errors": [...]}}, which may quote the key. */
    @Override
    String explain(String body) {
        JsonNode answer;
        try {
            answer = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            return "";
        }
        if (answer == null || !answer.isObject()) {
            return "";
        }
        String message = answer.path("message").asText("");
        List<String> errors = new ArrayList<>();
        answer.path("errors").forEach(error -> errors.add(error.asText()));
        String why = errors.isEmpty() ? message : message + " (" + String.join("; ", errors) + ")";
        why = Messages.oneLine(why.replace(routingKey, "<routing key>")).strip();
        return why.length() <= MAX_EXPLANATION ? why : why.substring(0, MAX_EXPLANATION) + "…";
    }
}
