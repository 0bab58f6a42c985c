package dev.driftless.load;

import dev.driftless.load.YamlFile.Mapping;
import dev.driftless.model.Destination;
import dev.driftless.model.Destination.CommitStatus;
import dev.driftless.model.Destination.CommitStatus.Forge;
import dev.driftless.model.Location;
import dev.driftless.model.Notification;
import dev.driftless.model.NotificationEvent;
import dev.driftless.model.Problem;
import dev.driftless.model.Reference;
import dev.driftless.model.Setting;
import dev.driftless.model.TextForm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads {@code notifications:} of driftless.yaml into {@link Notification} records: a map from a name to one
 * destination.
 *
 * <pre>
 * notifications:
 *   ops-slack:
 *     slack: { url: { secret: slack_webhook } }
 *     events: [failed, drift-found, drift-healed, source-unavailable, recovered]
 *     repeat: 4h
 * </pre>
 *
 * <p>Each entry has exactly one destination, and optionally {@code events} (default: all), {@code repeat} (default
 * {@code 1h}) and {@code timeout} (default {@code 10s}). Credentials (the webhook URLs of Slack and Discord, tokens,
 * passwords, the HMAC secret) must be written as {@code { secret: name }} or
 * {@code { env: VAR }}: driftless.yaml is committed. Secrets and variables are not read here (this machine may not
 * have them); the agent reads them. Every problem is reported at its own line and key.
 */
final class NotificationLoader {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Pattern DURATION = Pattern.compile("(?:\\d+(?:ms|s|m|h|d))+");
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private static final List<String> TYPES = List.of("slack", "discord", "ntfy", "webhook", "email", "pagerduty",
            "github", "gitea", "forgejo");
    /** The destinations as messages list them: forgejo is another spelling of gitea. */
    private static final String TYPE_LIST = String.join(", ", TYPES.subList(0, TYPES.size() - 1));
    private static final List<String> COMMON = List.of("events", "repeat", "timeout");
    private static final List<String> EVENTS =
            EnumSet.allOf(NotificationEvent.class).stream().map(NotificationEvent::id).toList();
    private static final String EVENT_LIST = String.join(", ", EVENTS);

    private final YamlFile yaml;
    private final List<Problem> problems;

    private NotificationLoader(YamlFile yaml, List<Problem> problems) {
        this.yaml = yaml;
        this.problems = problems;
    }

    /**
     * The entries of {@code notifications:} in the top-level mapping {@code top}, in the order written; problems
     * are added to {@code problems} (an entry with a problem is left out).
     */
    static List<Notification> load(Mapping top, List<Problem> problems) {
        Optional<Node> value = top.value("notifications");
        if (value.isEmpty() || isNull(value.get())) {
            return List.of();
        }
        if (!(value.get() instanceof MappingNode)) {
            top.problem("notifications", "must be a map of name → destination, such as "
                    + "`ops: { slack: { url: { secret: slack_webhook } } }`"
                    + (value.get() instanceof SequenceNode ? " (a map, not a list)" : ""));
            return List.of();
        }
        NotificationLoader loader = new NotificationLoader(top.yaml(), problems);
        Mapping entries = top.yaml().mapping(value.get(), "notifications").orElseThrow();
        List<Notification> notifications = new ArrayList<>();
        entries.entries().forEach((name, tuple) -> {
            if (!NAME.matcher(name).matches()) {
                entries.problem(name, "is not a valid notification name (letters, digits, '.', '_' and '-')");
                return;
            }
            loader.entry(entries, name, tuple).ifPresent(notifications::add);
        });
        return notifications;
    }

    private Optional<Notification> entry(Mapping entries, String name, NodeTuple tuple) {
        if (!(tuple.getValueNode() instanceof MappingNode)) {
            entries.problem(name, "must be a map with one of " + TYPE_LIST
                    + (isNull(tuple.getValueNode()) ? " (it is empty)" : ""));
            return Optional.empty();
        }
        Mapping entry = yaml.mapping(tuple, entries.child(name)).orElseThrow();
        int before = problems.size();
        Set<String> allowed = new LinkedHashSet<>(TYPES);
        allowed.addAll(COMMON);
        entry.allowOnly(allowed);
        List<String> types = TYPES.stream().filter(entry::has).toList();
        if (types.size() != 1) {
            problems.add(new Problem(entry.location(), types.isEmpty()
                    ? "says nowhere to send: give one of " + TYPE_LIST
                    : "gives " + String.join(" and ", types) + "; one entry has one destination (make another entry)"));
            return Optional.empty();
        }
        String type = types.get(0);
        Duration timeout = duration(entry, "timeout").orElse(Notification.DEFAULT_TIMEOUT);
        if (timeout.compareTo(Notification.MAX_TIMEOUT) > 0) {
            entry.problem("timeout", "must be at most 5m");
        }
        Duration repeat = duration(entry, "repeat").orElse(Notification.DEFAULT_REPEAT);
        Set<NotificationEvent> events = events(entry);
        Optional<Destination> destination = section(entry, type).flatMap(section -> destination(type, section));
        if (destination.isEmpty() || problems.size() > before) {
            return Optional.empty();
        }
        return Optional.of(new Notification(name, destination.get(), events, repeat, timeout));
    }

    private Optional<Mapping> section(Mapping entry, String type) {
        NodeTuple tuple = entry.entries().get(type);
        if (!(tuple.getValueNode() instanceof MappingNode)) {
            entry.problem(type, "must be a map of settings, such as " + example(type));
            return Optional.empty();
        }
        return yaml.mapping(tuple, entry.child(type));
    }

    /** The events of an entry. */
    private Set<NotificationEvent> events(Mapping entry) {
        Set<NotificationEvent> events = EnumSet.noneOf(NotificationEvent.class);
        Optional<Node> value = entry.value("events");
        if (value.isEmpty()) {
            events.addAll(EnumSet.allOf(NotificationEvent.class));
        } else if (!(value.get() instanceof SequenceNode list) || list.getValue().isEmpty()) {
            entry.problem("events", "must be a non-empty list of " + EVENT_LIST + " (leave it out for all)");
        } else {
            List<Node> items = list.getValue();
            for (int i = 0; i < items.size(); i++) {
                String key = entry.child("events") + "[" + i + "]";
                Optional<String> id = yaml.text(items.get(i), key);
                if (id.isEmpty()) {
                    continue;
                }
                Optional<NotificationEvent> event = NotificationEvent.ofId(id.get().toLowerCase(Locale.ROOT)
                        .replace('_', '-'));
                if (event.isEmpty()) {
                    String suggestion = Names.closest(id.get(), EVENTS).map(s -> "did you mean '" + s + "'? ")
                            .orElse("");
                    yaml.problem(items.get(i), key, "'" + id.get() + "' is not an event (" + suggestion + "events: "
                            + EVENT_LIST + ")");
                } else {
                    events.add(event.get());
                }
            }
        }
        return events;
    }

    private Optional<Destination> destination(String type, Mapping f) {
        switch (type) {
            case "slack", "discord" -> {
                f.allowOnly(Set.of("url"));
                Optional<Reference> url = credential(f, "url", "the incoming webhook's URL");
                return url.map(u -> type.equals("slack") ? new Destination.Slack(u) : new Destination.Discord(u));
            }
            case "ntfy" -> {
                f.allowOnly(keys("url", "topic", "token"));
                Optional<Setting> url = optional(f, "url", TextForm.HTTP_URL);
                Optional<Setting> topic = required(f, "topic", TextForm.NTFY_TOPIC, "the topic to publish to");
                Optional<Reference> token = f.has("token") ? credential(f, "token", "") : Optional.empty();
                return topic.map(t -> new Destination.Ntfy(
                        url.orElse(new Setting.Text(Destination.Ntfy.DEFAULT_URL)), t, token));
            }
            case "webhook" -> {
                f.allowOnly(keys("url", "secret"));
                Optional<Setting> url = required(f, "url", TextForm.HTTP_URL, "where to POST the events");
                Optional<Reference> secret = credential(f, "secret", "the shared HMAC key");
                return url.flatMap(u -> secret.map(s -> new Destination.Webhook(u, s)));
            }
            case "email" -> {
                return email(f);
            }
            case "pagerduty" -> {
                f.allowOnly(keys("routing-key", "url"));
                Optional<Reference> key = credential(f, "routing-key",
                        "the integration key of a PagerDuty service, Events API v2");
                Optional<Setting> url = optional(f, "url", TextForm.HTTP_URL);
                return key.map(k -> new Destination.PagerDuty(
                        url.orElse(new Setting.Text(Destination.PagerDuty.EVENTS_API)), k));
            }
            default -> { // github, gitea, forgejo
                return commitStatus(type.equals("github") ? Forge.GITHUB : Forge.GITEA, f);
            }
        }
    }

    /** GitHub's API is {@code api} (api.github.com by default), a Gitea or Forgejo server's {@code url}. */
    private Optional<Destination> commitStatus(Forge forge, Mapping f) {
        String urlKey = forge == Forge.GITHUB ? "api" : "url";
        f.allowOnly(keys(urlKey, "owner", "repo", "token", "targetUrl"));
        Optional<Setting> url = forge == Forge.GITHUB
                ? Optional.of(optional(f, "api", TextForm.HTTP_URL).orElse(new Setting.Text(CommitStatus.GITHUB_API)))
                : required(f, "url", TextForm.HTTP_URL, "the server's URL");
        Optional<Setting> owner = required(f, "owner", TextForm.FORGE_NAME, "the repository's owner");
        Optional<Setting> repo = required(f, "repo", TextForm.FORGE_NAME, "the repository's name");
        Optional<Reference> token = credential(f, "token", "a token that may write commit statuses");
        Optional<Setting> target = optional(f, "targetUrl", TextForm.HTTP_URL);
        if (url.isEmpty() || owner.isEmpty() || repo.isEmpty() || token.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new CommitStatus(forge, url.get(), owner.get(), repo.get(), token.get(), target));
    }

    private Optional<Destination> email(Mapping f) {
        f.allowOnly(keys("host", "port", "tls", "username", "password", "from", "to"));
        int before = problems.size();
        Optional<Setting> host = required(f, "host", TextForm.TEXT, "the SMTP server");
        Destination.Email.Tls tls = f.text("tls").map(id -> {
            for (Destination.Email.Tls t : Destination.Email.Tls.values()) {
                if (t.id().equals(id)) {
                    return t;
                }
            }
            f.problem("tls", "'" + id + "' is not starttls, smtps or none");
            return Destination.Email.Tls.STARTTLS;
        }).orElse(Destination.Email.Tls.STARTTLS);
        int port = f.text("port").map(text -> {
            int number;
            try {
                number = Integer.parseInt(text.strip());
            } catch (NumberFormatException e) {
                number = -1;
            }
            if (number < 1 || number > 65535) {
                f.problem("port", "'" + text + "' is not a port (1 to 65535)");
            }
            return number;
        }).orElse(tls.defaultPort());
        Optional<Destination.Email.Login> login = Optional.empty();
        if (f.has("username") && !f.has("password")) {
            f.problem("username", "is given without password");
        } else if (f.has("password") && !f.has("username")) {
            f.problem("password", "is given without username");
        } else if (f.has("username")) {
            Optional<Setting> username = optional(f, "username", TextForm.TEXT);
            Optional<Reference> password = credential(f, "password", "");
            login = username.flatMap(u -> password.map(p -> new Destination.Email.Login(u, p)));
        }
        if (tls == Destination.Email.Tls.NONE && f.has("password") && host.isPresent() && !isLoopback(host.get())) {
            f.problem("tls", "none would send the password in clear to " + (host.get() instanceof Setting.Text text
                    ? text.value() : "the host of " + ((Reference) host.get()).describe())
                    + "; use starttls or smtps (none is for a relay on this machine)");
        }
        Optional<Setting> from = required(f, "from", TextForm.EMAIL_ADDRESS,
                "the sender's address, such as driftless@example.org");
        List<Setting> to = new ArrayList<>();
        f.required("to", "one address or a list of them").ifPresent(node -> {
            if (node instanceof SequenceNode list) {
                if (list.getValue().isEmpty()) {
                    f.problem("to", "is empty: give at least one address");
                }
                for (int i = 0; i < list.getValue().size(); i++) {
                    Node item = list.getValue().get(i);
                    setting(item, yaml.location(item, f.child("to") + "[" + i + "]"), TextForm.EMAIL_ADDRESS)
                            .ifPresent(to::add);
                }
            } else {
                setting(node, f.locationOf("to"), TextForm.EMAIL_ADDRESS).ifPresent(to::add);
            }
        });
        if (problems.size() > before || host.isEmpty() || from.isEmpty() || to.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Destination.Email(host.get(), port, tls, login, from.get(), to));
    }

    private static boolean isLoopback(Setting host) {
        return host instanceof Setting.Text text && (text.value().equals("localhost") || text.value().equals("::1")
                || text.value().startsWith("127."));
    }

    /** A text setting that must be there. */
    private Optional<Setting> required(Mapping f, String key, TextForm form, String hint) {
        return f.required(key, hint).flatMap(node -> setting(node, f.locationOf(key), form));
    }

    /** A text setting that may be left out. */
    private Optional<Setting> optional(Mapping f, String key, TextForm form) {
        return f.value(key).flatMap(node -> setting(node, f.locationOf(key), form));
    }

    /** Text of the given form, or a reference to a secret or variable whose value the agent checks. */
    private Optional<Setting> setting(Node node, Location where, TextForm form) {
        return References.setting(node, where, form, problems);
    }

    /** A credential: only a reference, never text (the file is committed). */
    private Optional<Reference> credential(Mapping f, String key, String hint) {
        return References.credential(f, key, hint, problems);
    }

    private Optional<Duration> duration(Mapping entry, String key) {
        return entry.text(key).flatMap(text -> {
            Duration duration = parseDuration(text);
            if (duration == null || duration.isZero()) {
                entry.problem(key, "'" + text + "' is not a duration; write it like 30s, 10m, 1h or 1h30m");
                return Optional.empty();
            }
            return Optional.of(duration);
        });
    }

    /** {@code 90s}, {@code 10m}, {@code 1h30m}, {@code 1d}, {@code 500ms}; {@code null} if it is not a duration. */
    static Duration parseDuration(String text) {
        String value = text.strip();
        if (!DURATION.matcher(value).matches()) {
            return null;
        }
        Duration total = Duration.ZERO;
        Matcher m = DURATION_PART.matcher(value);
        try {
            while (m.find()) {
                long n = Long.parseLong(m.group(1));
                total = total.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                });
            }
        } catch (ArithmeticException | NumberFormatException e) {
            return null;
        }
        return total;
    }

    private static String example(String type) {
        return switch (type) {
            case "slack", "discord" -> "`url: { secret: " + type + "_webhook }`";
            case "ntfy" -> "`{ url: https://ntfy.sh, topic: my-topic }`";
            case "webhook" -> "`{ url: https://hooks.example.org/driftless, secret: { secret: webhook_hmac } }`";
            case "email" -> "`{ host: smtp.example.org, from: driftless@example.org, to: [ops@example.org] }`";
            case "pagerduty" -> "`{ routing-key: { secret: pagerduty_key } }`";
            case "github" -> "`{ owner: acme, repo: infra, token: { secret: github_token } }`";
            default -> "`{ url: https://git.example.org, owner: acme, repo: infra, token: { secret: forge_token } }`";
        };
    }

    private static boolean isNull(Node node) {
        return References.isNull(node);
    }

    private static Set<String> keys(String... names) {
        return new LinkedHashSet<>(List.of(names));
    }

}
