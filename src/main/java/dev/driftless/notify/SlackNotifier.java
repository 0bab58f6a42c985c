package dev.driftless.notify;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/** A Slack incoming webhook: {@code {"text": "..."}}. The webhook URL is a credential and never shown. */
public final class SlackNotifier extends HttpNotifier {

    /** Slack shows about 4,000 characters of a message's text. */
    static final int MAX_TEXT = 3000;

    private final URI webhook;

    public SlackNotifier(String name, URI webhook, Duration timeout) {
        super(name, timeout);
        this.webhook = Objects.requireNonNull(webhook, "webhook");
    }

    @Override
    public void send(Event event) throws NotifyException {
        post(webhook, "application/json", json(Map.of("text", Messages.text(event, MAX_TEXT))), Map.of());
    }
}
