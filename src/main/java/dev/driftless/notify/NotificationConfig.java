package dev.driftless.notify;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads the value of {@code notifications:} in {@code driftless.yaml}: a map from a name to one destination.
 *
 * <pre>
 * notifications:
 *   ops-slack:
 *     slack: { url: { secret: slack_webhook } }
 *     events: [failed, drift-found, drift-healed, source-unavailable, recovered]
 *     repeat: 4h
 *   phone:
 *     ntfy: { url: https://ntfy.sh, topic: { secret: ntfy_topic }, token: { env: NTFY_TOKEN } }
 *   audit:
 *     webhook: { url: https://hooks.example.org/driftless, secret: { secret: webhook_hmac } }
 *   mail:
 *     email:
 *       host: smtp.example.org
 *       username: driftless
 *       password: { secret: smtp_password }
 *       from: driftless@example.org
 *       to: [ops@example.org]
 *   commits:
 *     github: { owner: acme, repo: infra, token: { secret: github_token } }
 * </pre>
 *
 * <p>Each entry has exactly one of {@code slack}, {@code discord}, {@code ntfy}, {@code webhook}, {@code email},
 * {@code github}, {@code gitea} (also spelt {@code forgejo}), and optionally {@code events} (default: all),
 * {@code repeat} (default {@code 1h}) and {@code timeout} (per request, default {@code 10s}). Credentials (webhook
 * URLs of Slack and Discord, tokens, passwords, the HMAC secret) must be written as {@code { secret: name }} (a
 * secret of the repository, through the lookup) or {@code { env: VAR }}, never in plain text: the file is committed.
 * Any other text value may be written either way. Unknown keys are errors. Every problem is reported, each as
 * {@code <where>.<key path>: message}; a message never contains a resolved secret or environment value.
 */
public final class NotificationConfig {

    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Pattern OWNER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final Duration DEFAULT_TIMEOUT = HttpNotifier.DEFAULT_TIMEOUT;
    private static final Duration MAX_TIMEOUT = Duration.ofMinutes(5);

    private static final List<String> TYPES = List.of("slack", "discord", "ntfy", "webhook", "email", "github",
            "gitea", "forgejo");
    private static final List<String> COMMON = List.of("events", "repeat", "timeout");

    private final String where;
    private final Function<String, String> secretLookup;
    private final Map<String, String> env;
    private final List<String> errors = new ArrayList<>();

    private NotificationConfig(String where, Function<String, String> secretLookup, Map<String, String> env) {
        this.where = where;
        this.secretLookup = secretLookup;
        this.env = env;
    }

    /**
     * The rules written as {@code value}, in the order written.
     *
     * @param value        the YAML value of {@code notifications:} (maps, lists, strings, numbers), or {@code null}
     *                     for none
     * @param where        prefix of error messages, such as {@code "driftless.yaml: notifications"}
     * @param secretLookup a secret's value by name, or {@code null} when there is no such secret
     * @param env          the environment, for {@code { env: VAR }}
     * @throws IllegalArgumentException listing every problem, one per line
     */
    public static List<NotificationRule> parse(Object value, String where, Function<String, String> secretLookup,
                                               Map<String, String> env) {
        Objects.requireNonNull(where, "where");
        NotificationConfig config = new NotificationConfig(where,
                secretLookup == null ? name -> null : secretLookup, env == null ? Map.of() : env);
        List<NotificationRule> rules = config.rules(value);
        if (!config.errors.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", config.errors));
        }
        return rules;
    }

    private List<NotificationRule> rules(Object value) {
        List<NotificationRule> rules = new ArrayList<>();
        if (value == null) {
            return rules;
        }
        if (!(value instanceof Map<?, ?> map)) {
            error("", "must be a map of name → destination, such as `ops: { slack: { url: { secret: slack_webhook } } }`"
                    + (value instanceof List ? " (a map, not a list)" : ""));
            return rules;
        }
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            String name = String.valueOf(entry.getKey());
            if (!NAME.matcher(name).matches()) {
                error(name, "is not a valid notification name (letters, digits, '.', '_' and '-')");
                continue;
            }
            NotificationRule rule = rule(name, entry.getValue());
            if (rule != null) {
                rules.add(rule);
            }
        }
        return rules;
    }

    private NotificationRule rule(String name, Object value) {
        if (!(value instanceof Map<?, ?> raw)) {
            error(name, "must be a map with one of " + String.join(", ", TYPES.subList(0, 7))
                    + (value == null ? " (it is empty)" : ""));
            return null;
        }
        Fields fields = new Fields(name, raw);
        List<String> allowed = new ArrayList<>(TYPES);
        allowed.addAll(COMMON);
        fields.allowOnly(allowed);
        List<String> types = TYPES.stream().filter(fields::has).toList();
        if (types.size() != 1) {
            error(name, types.isEmpty()
                    ? "says nowhere to send: give one of " + String.join(", ", TYPES.subList(0, 7))
                    : "gives " + String.join(" and ", types) + "; one entry has one destination (make another entry)");
            return null;
        }
        Duration timeout = fields.duration("timeout", DEFAULT_TIMEOUT);
        if (timeout != null && timeout.compareTo(MAX_TIMEOUT) > 0) {
            error(fields.path("timeout"), "must be at most " + Durations.format(MAX_TIMEOUT));
        }
        Duration repeat = fields.duration("repeat", NotificationRule.DEFAULT_REPEAT);
        Set<Event.Kind> events = events(fields);
        String type = types.get(0);
        Object section = fields.get(type);
        if (!(section instanceof Map<?, ?> settings)) {
            error(fields.path(type), "must be a map of settings, such as " + example(type));
            return null;
        }
        int before = errors.size();
        Notifier notifier = notifier(type, name, new Fields(fields.path(type), settings),
                timeout == null ? DEFAULT_TIMEOUT : timeout);
        if (notifier == null || errors.size() > before || repeat == null || events == null || timeout == null) {
            return null;
        }
        return new NotificationRule(name, notifier, events, repeat);
    }

    private Set<Event.Kind> events(Fields fields) {
        if (!fields.has("events")) {
            return EnumSet.allOf(Event.Kind.class);
        }
        Object value = fields.get("events");
        List<String> allowed = new ArrayList<>();
        for (Event.Kind kind : Event.Kind.values()) {
            allowed.add(kind.id());
        }
        if (!(value instanceof List<?> list) || list.isEmpty()) {
            error(fields.path("events"), "must be a non-empty list of " + String.join(", ", allowed)
                    + " (leave it out for all)");
            return null;
        }
        Set<Event.Kind> events = EnumSet.noneOf(Event.Kind.class);
        boolean ok = true;
        for (int i = 0; i < list.size(); i++) {
            String id = String.valueOf(list.get(i));
            var kind = Event.Kind.ofId(id.toLowerCase(Locale.ROOT).replace('_', '-'));
            if (kind.isEmpty()) {
                error(fields.path("events") + "[" + i + "]", "'" + id + "' is not an event ("
                        + suggestion(id, allowed) + "events: " + String.join(", ", allowed) + ")");
                ok = false;
            } else {
                events.add(kind.get());
            }
        }
        return ok ? events : null;
    }

    private Notifier notifier(String type, String name, Fields f, Duration timeout) {
        switch (type) {
            case "slack" -> {
                f.allowOnly(List.of("url"));
                URI url = f.url("url", true, null);
                return url == null ? null : new SlackNotifier(name, url, timeout);
            }
            case "discord" -> {
                f.allowOnly(List.of("url"));
                URI url = f.url("url", true, null);
                return url == null ? null : new DiscordNotifier(name, url, timeout);
            }
            case "ntfy" -> {
                f.allowOnly(List.of("url", "topic", "token"));
                URI url = f.url("url", false, URI.create("https://ntfy.sh"));
                String topic = f.text("topic", false, true);
                String token = f.text("token", true, false);
                if (topic != null && !Pattern.matches("[A-Za-z0-9_-]{1,64}", topic)) {
                    error(f.path("topic"), "is not an ntfy topic (letters, digits, '_' and '-', at most 64)");
                    return null;
                }
                return url == null || topic == null ? null : new NtfyNotifier(name, url, topic, token, timeout);
            }
            case "webhook" -> {
                f.allowOnly(List.of("url", "secret"));
                URI url = f.url("url", false, null);
                String secret = f.text("secret", true, true);
                return url == null || secret == null ? null : new WebhookNotifier(name, url, secret, timeout);
            }
            case "email" -> {
                return email(name, f, timeout);
            }
            case "github" -> {
                f.allowOnly(List.of("owner", "repo", "token", "api", "targetUrl"));
                URI api = f.url("api", false, GitHubStatusNotifier.DEFAULT_API);
                String owner = f.owner("owner");
                String repo = f.owner("repo");
                String token = f.text("token", true, true);
                String target = f.has("targetUrl") ? asText(f.url("targetUrl", false, null)) : null;
                return api == null || owner == null || repo == null || token == null ? null
                        : new GitHubStatusNotifier(name, api, owner, repo, token, target, timeout);
            }
            default -> { // gitea, forgejo
                f.allowOnly(List.of("url", "owner", "repo", "token", "targetUrl"));
                URI url = f.url("url", false, null);
                String owner = f.owner("owner");
                String repo = f.owner("repo");
                String token = f.text("token", true, true);
                String target = f.has("targetUrl") ? asText(f.url("targetUrl", false, null)) : null;
                return url == null || owner == null || repo == null || token == null ? null
                        : new GiteaStatusNotifier(name, url, owner, repo, token, target, timeout);
            }
        }
    }

    private Notifier email(String name, Fields f, Duration timeout) {
        f.allowOnly(List.of("host", "port", "tls", "username", "password", "from", "to"));
        String host = f.text("host", false, true);
        EmailNotifier.Tls tls = EmailNotifier.Tls.STARTTLS;
        if (f.has("tls")) {
            String id = String.valueOf(f.get("tls"));
            tls = null;
            for (EmailNotifier.Tls t : EmailNotifier.Tls.values()) {
                if (t.id().equals(id)) {
                    tls = t;
                }
            }
            if (tls == null) {
                error(f.path("tls"), "'" + id + "' is not starttls, smtps or none");
                return null;
            }
        }
        int port = tls.defaultPort();
        if (f.has("port")) {
            Object value = f.get("port");
            try {
                port = Integer.parseInt(String.valueOf(value).strip());
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                error(f.path("port"), "'" + value + "' is not a port (1 to 65535)");
                return null;
            }
        }
        String username = f.text("username", false, false);
        String password = f.text("password", true, false);
        if ((username == null) != (password == null) && f.has("username") == f.has("password")) {
            return null; // an error about one of them was reported already
        }
        if (f.has("password") && !f.has("username")) {
            error(f.path("password"), "is given without username");
            return null;
        }
        if (f.has("username") && !f.has("password")) {
            error(f.path("username"), "is given without password");
            return null;
        }
        if (tls == EmailNotifier.Tls.NONE && password != null && host != null && !isLoopback(host)) {
            error(f.path("tls"), "none would send the password in clear to " + host
                    + "; use starttls or smtps (none is for a relay on this machine)");
            return null;
        }
        InternetAddress from = null;
        if (!f.has("from")) {
            error(f.path("from"), "is required: the sender's address, such as driftless@example.org");
        } else {
            from = address(f.path("from"), f.text("from", false, true));
        }
        List<InternetAddress> to = new ArrayList<>();
        if (!f.has("to")) {
            error(f.path("to"), "is required: one address or a list of them");
        } else {
            Object value = f.get("to");
            List<?> list = value instanceof List<?> l ? l : List.of(value);
            if (list.isEmpty()) {
                error(f.path("to"), "is empty: give at least one address");
            }
            for (int i = 0; i < list.size(); i++) {
                String path = value instanceof List ? f.path("to") + "[" + i + "]" : f.path("to");
                InternetAddress address = address(path, f.resolve(path, list.get(i), false));
                if (address != null) {
                    to.add(address);
                }
            }
        }
        if (host == null || from == null || to.isEmpty()) {
            return null;
        }
        return new EmailNotifier(name, host, port, tls, username, password, from, to, timeout);
    }

    private InternetAddress address(String path, String text) {
        if (text == null) {
            return null;
        }
        try {
            InternetAddress address = new InternetAddress(text, true);
            address.validate();
            return address;
        } catch (AddressException e) {
            error(path, "'" + text + "' is not an email address");
            return null;
        }
    }

    private static boolean isLoopback(String host) {
        return host.equals("localhost") || host.equals("::1") || host.startsWith("127.");
    }

    private static String asText(URI uri) {
        return uri == null ? null : uri.toString();
    }

    private static String example(String type) {
        return switch (type) {
            case "slack", "discord" -> "`url: { secret: " + type + "_webhook }`";
            case "ntfy" -> "`{ url: https://ntfy.sh, topic: my-topic }`";
            case "webhook" -> "`{ url: https://hooks.example.org/driftless, secret: { secret: webhook_hmac } }`";
            case "email" -> "`{ host: smtp.example.org, from: driftless@example.org, to: [ops@example.org] }`";
            case "github" -> "`{ owner: acme, repo: infra, token: { secret: github_token } }`";
            default -> "`{ url: https://git.example.org, owner: acme, repo: infra, token: { secret: forge_token } }`";
        };
    }

    private void error(String path, String message) {
        errors.add(where + (path.isEmpty() ? "" : "." + path) + ": " + message);
    }

    private static String suggestion(String word, Collection<String> candidates) {
        return dev.driftless.load.Names.closest(word, candidates).map(best -> "did you mean '" + best + "'? ")
                .orElse("");
    }

    /** The keys of one map, with its path for messages. */
    private final class Fields {
        private final String path;
        private final Map<?, ?> map;

        Fields(String path, Map<?, ?> map) {
            this.path = path;
            this.map = map;
        }

        String path(String key) {
            return path.isEmpty() ? key : path + "." + key;
        }

        boolean has(String key) {
            return map.containsKey(key);
        }

        Object get(String key) {
            return map.get(key);
        }

        void allowOnly(Collection<String> allowed) {
            for (Object key : map.keySet()) {
                String name = String.valueOf(key);
                if (!allowed.contains(name)) {
                    error(path(name), "unknown key (" + suggestion(name, allowed) + "allowed here: "
                            + String.join(", ", allowed) + ")");
                }
            }
        }

        /**
         * The text at {@code key}, resolved if it is a secret or environment reference; {@code null} (and an error
         * if {@code required}) when it is missing or wrong.
         */
        String text(String key, boolean credential, boolean required) {
            if (!has(key)) {
                if (required) {
                    error(path(key), "is required");
                }
                return null;
            }
            Object value = get(key);
            if (credential && !(value instanceof Map)) {
                error(path(key), "is a credential: write it as `{ secret: name }` (a secret of the repository) or "
                        + "`{ env: VARIABLE }`, not in plain text in a file that is committed");
                return null;
            }
            return resolve(path(key), value, true);
        }

        /** A string, {@code { secret: name }} or {@code { env: VAR }}, resolved. */
        String resolve(String at, Object value, boolean nonEmpty) {
            if (value instanceof Map<?, ?> reference) {
                if (reference.size() != 1 || !(reference.containsKey("secret") || reference.containsKey("env"))) {
                    error(at, "must be text, `{ secret: name }` or `{ env: VARIABLE }`");
                    return null;
                }
                boolean secret = reference.containsKey("secret");
                Object ref = reference.get(secret ? "secret" : "env");
                if (!(ref instanceof String refName) || refName.isBlank()) {
                    error(at + (secret ? ".secret" : ".env"), "must name a " + (secret ? "secret" : "variable"));
                    return null;
                }
                String resolved;
                if (secret) {
                    try {
                        resolved = secretLookup.apply(refName);
                    } catch (RuntimeException e) {
                        error(at + ".secret", "secret '" + refName + "' cannot be read"
                                + (e.getMessage() == null ? "" : ": " + e.getMessage()));
                        return null;
                    }
                    if (resolved == null) {
                        error(at + ".secret", "secret '" + refName + "' is not defined");
                        return null;
                    }
                } else {
                    resolved = env.get(refName);
                    if (resolved == null) {
                        error(at + ".env", "environment variable " + refName + " is not set");
                        return null;
                    }
                }
                resolved = resolved.strip();
                if (nonEmpty && resolved.isEmpty()) {
                    error(at, (secret ? "secret '" : "environment variable '") + refName + "' is empty");
                    return null;
                }
                return resolved;
            }
            if (value instanceof String || value instanceof Number || value instanceof Boolean) {
                String text = String.valueOf(value).strip();
                if (nonEmpty && text.isEmpty()) {
                    error(at, "is empty");
                    return null;
                }
                return text;
            }
            error(at, value == null ? "has no value" : "must be text, `{ secret: name }` or `{ env: VARIABLE }`");
            return null;
        }

        /** An absolute http(s) URL; a credential URL must come from a secret or the environment. */
        URI url(String key, boolean credential, URI fallback) {
            if (!has(key)) {
                if (fallback == null) {
                    error(path(key), "is required");
                }
                return fallback;
            }
            boolean hidden = get(key) instanceof Map;
            String text = text(key, credential, true);
            if (text == null) {
                return null;
            }
            String shown = hidden ? "the value" : "'" + text + "'";
            try {
                URI uri = new URI(text);
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if (!(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null
                        || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
                    error(path(key), shown + " is not an http(s) URL, such as https://example.org/hook");
                    return null;
                }
                return uri;
            } catch (URISyntaxException e) {
                error(path(key), shown + " is not a valid URL");
                return null;
            }
        }

        String owner(String key) {
            String text = text(key, false, true);
            if (text != null && !OWNER.matcher(text).matches()) {
                error(path(key), "'" + text + "' is not a valid " + key + " name");
                return null;
            }
            return text;
        }

        Duration duration(String key, Duration fallback) {
            if (!has(key)) {
                return fallback;
            }
            Object value = get(key);
            Duration duration = value instanceof String text ? Durations.parse(text) : null;
            if (duration == null || duration.isZero()) {
                error(path(key), "'" + value + "' is not a duration; write it like 30s, 10m, 1h or 1h30m");
                return null;
            }
            return duration;
        }
    }
}
