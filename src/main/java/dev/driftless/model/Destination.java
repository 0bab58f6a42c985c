package dev.driftless.model;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Where one entry under {@code notifications:} sends its events. Credentials are {@link Reference}s only; every
 * other text is a {@link Setting}, checked for its form when written as text.
 */
public sealed interface Destination permits Destination.Slack, Destination.Discord, Destination.Ntfy,
        Destination.Webhook, Destination.Email, Destination.PagerDuty, Destination.CommitStatus {

    /** A Slack incoming webhook; its URL is the credential. */
    record Slack(Reference url) implements Destination {
        public Slack {
            Objects.requireNonNull(url, "url");
        }
    }

    /** A Discord incoming webhook; its URL is the credential. */
    record Discord(Reference url) implements Destination {
        public Discord {
            Objects.requireNonNull(url, "url");
        }
    }

    /** A topic on an ntfy server, with an optional access token. */
    record Ntfy(Setting url, Setting topic, Optional<Reference> token) implements Destination {
        public static final String DEFAULT_URL = "https://ntfy.sh";

        public Ntfy {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(topic, "topic");
            Objects.requireNonNull(token, "token");
        }
    }

    /** A JSON webhook signed with HMAC-SHA256 of the body with {@code secret}. */
    record Webhook(Setting url, Reference secret) implements Destination {
        public Webhook {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(secret, "secret");
        }
    }

    /** Mail over SMTP to {@code to}, logging in when {@code login} is given. */
    record Email(Setting host, int port, Tls tls, Optional<Login> login, Setting from, List<Setting> to)
            implements Destination {

        /** How the connection to the SMTP server is protected. */
        public enum Tls {
            /** Upgraded with STARTTLS, which the server must offer (port 587). */
            STARTTLS(587),
            /** TLS from the first byte (port 465). */
            SMTPS(465),
            /** Plain SMTP, for a relay on the same machine (port 25). */
            NONE(25);

            private final int defaultPort;

            Tls(int defaultPort) {
                this.defaultPort = defaultPort;
            }

            public int defaultPort() {
                return defaultPort;
            }

            /** As written in driftless.yaml: {@code starttls}. */
            public String id() {
                return name().toLowerCase(Locale.ROOT);
            }
        }

        /** An SMTP login; the password is a credential. */
        public record Login(Setting username, Reference password) {
            public Login {
                Objects.requireNonNull(username, "username");
                Objects.requireNonNull(password, "password");
            }
        }

        public Email {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(tls, "tls");
            Objects.requireNonNull(login, "login");
            Objects.requireNonNull(from, "from");
            to = List.copyOf(to);
            if (to.isEmpty()) {
                throw new IllegalArgumentException("no recipient");
            }
        }
    }

    /**
     * Alerts on PagerDuty through its Events API v2 at {@code url}, into the service whose integration key is
     * {@code routingKey}.
     */
    record PagerDuty(Setting url, Reference routingKey) implements Destination {
        public static final String EVENTS_API = "https://events.pagerduty.com/v2/enqueue";

        public PagerDuty {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(routingKey, "routingKey");
        }
    }

    /**
     * Commit statuses on a forge: GitHub (or GitHub Enterprise) through its API at {@code url}, or a Gitea or
     * Forgejo server at {@code url}.
     */
    record CommitStatus(Forge forge, Setting url, Setting owner, Setting repo, Reference token,
                        Optional<Setting> targetUrl) implements Destination {

        /** Which API the statuses are posted to. */
        public enum Forge {
            GITHUB, GITEA
        }

        public static final String GITHUB_API = "https://api.github.com";

        public CommitStatus {
            Objects.requireNonNull(forge, "forge");
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(owner, "owner");
            Objects.requireNonNull(repo, "repo");
            Objects.requireNonNull(token, "token");
            Objects.requireNonNull(targetUrl, "targetUrl");
        }
    }
}
