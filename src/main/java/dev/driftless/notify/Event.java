package dev.driftless.notify;

import dev.driftless.model.NotificationEvent;
import dev.driftless.report.Word;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * Something the agent wants people to know about one service on one host, or about the whole repository.
 *
 * @param kind    what happened
 * @param host    the host's name; {@code ""} for a repository-wide event (source unavailable, a repository that
 *                does not validate)
 * @param service the service's name; {@code ""} for a host-wide or repository-wide event
 * @param commit  the full commit id the event is about; {@code ""} when there is none (the source could not be read)
 * @param summary a short, already secret-masked summary, typically one line per changed path
 *                ({@code ~ /etc/nginx/nginx.conf}) or the error message; may be {@code ""}
 * @param at      when it happened
 * @param signer  who signed the commit, when the agent verifies signatures and the key is a trusted one
 *                ({@code alice@example.org (ssh SHA256:…)}); {@code ""} otherwise
 */
public record Event(Kind kind, String host, String service, String commit, String summary, Instant at,
        String signer) {

    /** An event about a commit whose signer is not known (or not verified). */
    public Event(Kind kind, String host, String service, String commit, String summary, Instant at) {
        this(kind, host, service, commit, summary, at, "");
    }

    /**
     * What happened. The same events as {@link NotificationEvent}, which is what driftless.yaml names; this
     * enum stays while the agent still builds events with it.
     */
    public enum Kind implements Word {
        APPLIED, FAILED, DRIFT_FOUND, DRIFT_HEALED, RECOVERED, SOURCE_UNAVAILABLE, UNHEALTHY, HEALTHY, UNTRUSTED_COMMIT,
        REWIND_REFUSED;

        /** The same event in the vocabulary of driftless.yaml. */
        public NotificationEvent event() {
            return NotificationEvent.valueOf(name());
        }

        /** The name used in {@code driftless.yaml} ({@code events:}) and in webhook bodies: {@code drift-found}. */
        public String id() {
            return word();
        }

        /** A problem that goes on until a good event of the same family ends it. */
        public boolean isProblem() {
            return event().isProblem();
        }

        /** Words for messages: {@code drift found}. */
        public String phrase() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }
    }

    public Event {
        Objects.requireNonNull(kind, "kind");
        host = host == null ? "" : host;
        service = service == null ? "" : service;
        commit = commit == null ? "" : commit;
        summary = summary == null ? "" : summary;
        at = at == null ? Instant.now() : at;
        signer = signer == null ? "" : signer;
    }

    /** The same event, naming who signed its commit. */
    public Event withSigner(String signer) {
        return new Event(kind, host, service, commit, summary, at, signer);
    }
}
