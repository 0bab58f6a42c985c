package dev.driftless.notify;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Discord incoming webhook: {@code {"content": "...", "username": "driftless"}}, with mentions switched off so
 * that a summary containing {@code @everyone} pings nobody. The webhook URL is a credential and never shown.
 */
public final class DiscordNotifier extends HttpNotifier {

    /** Discord refuses content longer than 2,000 characters. */
    static final int MAX_CONTENT = 2000;

    private final URI webhook;

    public DiscordNotifier(String name, URI webhook, Duration timeout) {
        super(name, timeout);
        this.webhook = Objects.requireNonNull(webhook, "webhook");
    }

    @Override
    public void send(Event event) throws NotifyException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("content", Messages.text(event, MAX_CONTENT));
        body.put("username", "driftless");
        body.put("allowed_mentions", Map.of("parse", List.of()));
        post(webhook, "application/json", json(body), Map.of());
    }
}
