package dev.driftless.web;

import java.util.Objects;
import java.util.Optional;

/**
 * Where the agent's HTTP side listens: the API (with health checks and metrics) on one address, and webhooks either
 * there too or on their own address, so that the API can stay on loopback while forges reach the hooks; both with
 * TLS when certificate files are given.
 *
 * @param api "host:port" of the API, health checks and metrics (and of the webhooks when {@code hooks} is empty)
 * @param hooks "host:port" serving only /hooks/*; when given, the API listener serves no hooks
 */
public record Listeners(String api, Optional<String> hooks, Optional<TlsFiles> tls) {

    public Listeners {
        Objects.requireNonNull(api, "api");
        Objects.requireNonNull(hooks, "hooks");
        Objects.requireNonNull(tls, "tls");
    }

    /** Everything on one plain HTTP address. */
    public static Listeners on(String listen) {
        return new Listeners(listen, Optional.empty(), Optional.empty());
    }
}
