package dev.driftless.notify;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An ntfy topic (ntfy.sh or a self-hosted server), published as JSON to the server's root URL:
 * {@code {"topic", "title", "message", "tags", "priority"}}; problems get priority 4 (high), the rest 3. An access
 * token, if given, is sent as {@code Authorization: Bearer}.
 */
public final class NtfyNotifier extends HttpNotifier {

    static final int MAX_MESSAGE = 4000;

    private final URI server;
    private final String topic;
    private final String token;

    /**
     * @param server the server's base URL, such as {@code https://ntfy.sh}
     * @param topic  the topic
     * @param token  an access token, or {@code null}
     */
    public NtfyNotifier(String name, URI server, String topic, String token, Duration timeout) {
        super(name, timeout);
        this.server = Objects.requireNonNull(server, "server");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.token = token;
    }

    @Override
    public void send(Event event) throws NotifyException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("topic", topic);
        body.put("title", Messages.title(event));
        String summary = event.summary().strip();
        body.put("message", Messages.truncate(summary.isEmpty() ? Messages.headline(event) : summary, MAX_MESSAGE));
        body.put("tags", List.of(tag(event.kind()), "driftless"));
        body.put("priority", event.kind().isProblem() ? 4 : 3);
        Map<String, String> headers = token == null || token.isEmpty()
                ? Map.of() : Map.of("Authorization", "Bearer " + token);
        post(root(), "application/json", json(body), headers);
    }

    private URI root() {
        String base = server.toString();
        return URI.create(base.endsWith("/") ? base : base + "/");
    }

    /** An ntfy tag; names of emoji shortcodes show as emoji. */
    private static String tag(Event.Kind kind) {
        return switch (kind) {
            case APPLIED, DRIFT_HEALED, RECOVERED, HEALTHY -> "white_check_mark";
            case FAILED, UNHEALTHY -> "x";
            case DRIFT_FOUND -> "warning";
            case SOURCE_UNAVAILABLE -> "no_entry";
            case UNTRUSTED_COMMIT -> "lock";
            case REWIND_REFUSED -> "rewind";
        };
    }
}
