package dev.driftless.load;

import dev.driftless.load.YamlFile.Mapping;
import dev.driftless.model.Compose;
import dev.driftless.model.Health;
import dev.driftless.model.HealthCheck;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;


/** Reads a service's {@code health:} checks and its {@code onFailure:}. */
final class HealthLoader {

    private static final List<String> TARGETS = List.of("http", "tcp", "command", "unit", "container");
    private static final Set<String> KEYS = Set.of("http", "tcp", "command", "unit", "container", "status", "contains",
            "timeout", "successes");
    private static final Pattern DURATION = Pattern.compile("(\\d{1,6})(ms|s|m)");
    private static final Pattern TCP = Pattern.compile("([A-Za-z0-9.-]+|\\[[0-9A-Fa-f:]+\\]):(\\d{1,5})");

    private HealthLoader() {
    }

    /**
     * @param compose the service's stack, when it has one and it loaded: what a {@code container:} check looks at
     *     (whether its name is a service of the compose file is known once the file is rendered)
     */
    static Health load(Mapping service, Optional<Compose> compose) {
        List<HealthCheck> checks = new ArrayList<>();
        YamlFile yaml = service.yaml();
        service.value("health").flatMap(n -> yaml.sequence(n, "health")).ifPresent(items -> {
            for (int i = 0; i < items.size(); i++) {
                String key = "health[" + i + "]";
                yaml.mapping(items.get(i), key).flatMap(entry -> check(entry, service, compose)).ifPresent(checks::add);
            }
        });
        Health.OnFailure onFailure = service.text("onFailure").map(text -> switch (text) {
            case "rollback" -> Health.OnFailure.ROLLBACK;
            case "keep" -> Health.OnFailure.KEEP;
            default -> {
                service.problem("onFailure", "must be 'rollback' (put the service back as it was at its last healthy"
                        + " commit) or 'keep' (leave it and report), not '" + text + "'");
                yield Health.OnFailure.ROLLBACK;
            }
        }).orElse(Health.OnFailure.ROLLBACK);
        return new Health(checks, onFailure);
    }

    private static Optional<HealthCheck> check(Mapping entry, Mapping service, Optional<Compose> compose) {
        entry.allowOnly(KEYS);
        List<String> given = TARGETS.stream().filter(entry::has).toList();
        if (given.size() != 1) {
            if (given.isEmpty()) {
                entry.problem("a health check needs a target: one of 'http: URL', 'tcp: host:port', 'command: ...',"
                        + " 'unit: NAME' or 'container: COMPOSE-SERVICE'");
            } else {
                entry.problem(given.get(1), "give one target per check, not " + String.join(" and ", given)
                        + " (write two checks)");
            }
            return Optional.empty();
        }
        String kind = given.get(0);
        Duration timeout = entry.text("timeout").flatMap(t -> duration(t, entry)).orElse(HealthCheck.DEFAULT_TIMEOUT);
        int successes = entry.text("successes").flatMap(s -> count(s, entry)).orElse(HealthCheck.DEFAULT_SUCCESSES);
        if (!kind.equals("http")) {
            for (String httpOnly : List.of("status", "contains")) {
                if (entry.has(httpOnly)) {
                    entry.problem(httpOnly, "only an 'http' check has '" + httpOnly + "'");
                }
            }
        }
        Optional<String> target = entry.text(kind);
        if (target.isEmpty()) {
            return Optional.empty();
        }
        String value = target.get();
        if (value.isBlank()) {
            entry.problem(kind, "is empty: say what to check");
            return Optional.empty();
        }
        return switch (kind) {
            case "http" -> http(value, entry, timeout, successes);
            case "tcp" -> {
                Matcher m = TCP.matcher(value);
                int port = m.matches() ? Integer.parseInt(m.group(2)) : 0;
                if (!m.matches() || port < 1 || port > 65535) {
                    entry.problem("tcp", "'" + value + "' is not host:port (such as 127.0.0.1:5432)");
                    yield Optional.empty();
                }
                String host = m.group(1).startsWith("[") ? m.group(1).substring(1, m.group(1).length() - 1) : m.group(1);
                yield Optional.of(new HealthCheck.Tcp(host, port, timeout, successes, entry.locationOf("tcp")));
            }
            case "command" -> Optional.of(new HealthCheck.Command(value, timeout, successes, entry.locationOf("command")));
            case "container" -> container(value, entry, service, compose, timeout, successes);
            default -> {
                if (!UnitLoader.NAME.matcher(value).matches()) {
                    entry.problem("unit", "'" + value + "' is not a unit name (such as app.service)");
                    yield Optional.empty();
                }
                yield Optional.of(new HealthCheck.UnitActive(value, timeout, successes, entry.locationOf("unit")));
            }
        };
    }

    private static Optional<HealthCheck> container(String name, Mapping entry, Mapping service,
            Optional<Compose> compose, Duration timeout, int successes) {
        if (!service.has("compose")) {
            entry.problem("container", "'" + name + "' would be a service of this service's compose stack, but it has"
                    + " no 'compose:': add one, or check something else (http, tcp, command, unit)");
            return Optional.empty();
        }
        if (!ComposeLoader.SERVICE.matcher(name).matches()) {
            entry.problem("container", "'" + name + "' is not a compose service name (such as web)");
            return Optional.empty();
        }
        // a compose: that did not load has said why already
        return compose.map(c -> new HealthCheck.Container(c.project(), name, timeout, successes,
                entry.locationOf("container")));
    }

    private static Optional<HealthCheck> http(String value, Mapping entry, Duration timeout, int successes) {
        URI url;
        try {
            url = new URI(value);
        } catch (URISyntaxException e) {
            url = null;
        }
        if (url == null || !("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null) {
            entry.problem("http", "'" + value + "' is not an http:// or https:// URL with a host (such as"
                    + " http://127.0.0.1:8080/healthz)");
            return Optional.empty();
        }
        Optional<Integer> status = entry.text("status").flatMap(s -> {
            if (!s.matches("[1-5]\\d\\d")) {
                entry.problem("status", "'" + s + "' is not an HTTP status code (such as 200 or 204)");
                return Optional.empty();
            }
            return Optional.of(Integer.parseInt(s));
        });
        Optional<String> contains = entry.text("contains");
        return Optional.of(new HealthCheck.Http(url, status, contains, timeout, successes, entry.locationOf("http")));
    }

    private static Optional<Duration> duration(String text, Mapping entry) {
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            entry.problem("timeout", "'" + text + "' is not a duration (such as 500ms, 30s or 2m)");
            return Optional.empty();
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
        };
        if (d.isZero()) {
            entry.problem("timeout", "must be more than 0");
            return Optional.empty();
        }
        return Optional.of(d);
    }

    private static Optional<Integer> count(String text, Mapping entry) {
        if (!text.matches("\\d{1,3}") || Integer.parseInt(text) < 1) {
            entry.problem("successes", "'" + text + "' is not a number of passes in a row from 1 to 999");
            return Optional.empty();
        }
        return Optional.of(Integer.parseInt(text));
    }

}
