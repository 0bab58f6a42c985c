package dev.driftless.notify;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * A Slack incoming webhook: {@code {"text": "..."}}, with {@code &}, {@code <} and {@code >} escaped as Slack asks, so
 * that a signer's {@code <alice@example.org>} reads as written and a summary's {@code <!channel>} pings nobody. The
 * webhook URL is a credential and never shown.
 */
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
        post(webhook, "application/json", json(Map.of("text", escape(Messages.text(event, MAX_TEXT)))), Map.of());
    }

    /** Slack's escaping of message text: the three characters its markup gives a meaning. */
    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
