package dev.driftless.health;

import dev.driftless.host.CommandResult;
import dev.driftless.host.Host;
import dev.driftless.host.HostException;
import dev.driftless.model.HealthCheck;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;

/** Takes one sample of a check on a host, from the host's point of view, and says in one line what it saw. */
final class Probe {

    /** The longest one HTTP request or TCP connection may take: a few seconds, as a person would wait. */
    static final Duration REQUEST_LIMIT = Duration.ofSeconds(5);
    /** The longest one run of a check's command (or systemctl) may take. */
    static final Duration COMMAND_LIMIT = Duration.ofSeconds(10);
    private static final Pattern UNIT_STATE = Pattern.compile("[a-z-]{1,20}");

    private final HttpProbe http;

    Probe(java.util.function.Supplier<SSLContext> tls) {
        this.http = new HttpProbe(tls);
    }

    /** Why the check can never pass on this host, whatever it samples; empty when it can. */
    static Optional<String> cannotPass(Host host, HealthCheck check) {
        if (check instanceof HealthCheck.UnitActive && !host.root().equals("/")) {
            return Optional.of("units are not started under a root (this host's root is " + host.root() + ")");
        }
        if (check instanceof HealthCheck.Container && !host.root().equals("/")) {
            return Optional.of("containers are not run under a root (this host's root is " + host.root() + ")");
        }
        return Optional.empty();
    }

    /** How long one sample of this check may take at most. */
    static Duration limit(HealthCheck check) {
        return check instanceof HealthCheck.Http || check instanceof HealthCheck.Tcp ? REQUEST_LIMIT : COMMAND_LIMIT;
    }

    /**
     * One sample, taking at most {@code limit}. Failing to reach the target is a failed sample, never an
     * exception; {@code mask} hides the repository's secret values in what a command printed; {@code dockerHost} is
     * the container engine's address when the host names one.
     */
    Sample take(Host host, HealthCheck check, Optional<String> dockerHost, Duration limit, UnaryOperator<String> mask) {
        Sample sample = sample(host, check, dockerHost, limit, mask);
        // whatever a detail quotes (a message of the host, a body's expected text) is masked as output is
        return new Sample(sample.passed(), mask.apply(sample.detail()), sample.run());
    }

    private Sample sample(Host host, HealthCheck check, Optional<String> dockerHost, Duration limit,
            UnaryOperator<String> mask) {
        try {
            if (check instanceof HealthCheck.Http get) {
                return http.get(host, get, limit);
            } else if (check instanceof HealthCheck.Tcp tcp) {
                try (Socket socket = host.connect(tcp.host(), tcp.port(), limit)) {
                    return Sample.passed("connection opened");
                }
            } else if (check instanceof HealthCheck.Command command) {
                return command(host, command, limit, mask);
            } else if (check instanceof HealthCheck.UnitActive unit) {
                return unit(host, unit, limit, mask);
            } else if (check instanceof HealthCheck.Container container) {
                return ContainerProbe.take(host, container, dockerHost, limit);
            }
            throw new IllegalArgumentException("no probe for " + check.getClass().getSimpleName());
        } catch (IOException e) {
            return Sample.failed(why(e, limit));
        } catch (UncheckedIOException e) {
            return Sample.failed(why(e.getCause(), limit));
        } catch (HostException e) {
            return Sample.failed(e.getMessage());
        }
    }

    private static Map<String, String> environment(Host host) {
        // as handlers have it: a check may look at files under the root
        return Map.of("DRIFTLESS_HOST", host.name(), "DRIFTLESS_ROOT", host.root());
    }

    private static Sample command(Host host, HealthCheck.Command check, Duration limit, UnaryOperator<String> mask) {
        CommandResult result = host.run(check.command(), environment(host), limit);
        if (result.timedOut()) {
            return Sample.failed("no exit within " + seconds(limit));
        }
        String last = OneLine.last(mask.apply(result.output()));
        String exit = "exit " + result.exitCode();
        if (result.succeeded()) {
            return Sample.passed(exit);
        }
        return Sample.failed(last.isEmpty() ? exit : exit + ": " + last);
    }

    private static Sample unit(Host host, HealthCheck.UnitActive check, Duration limit, UnaryOperator<String> mask) {
        CommandResult result = host.run("systemctl is-active " + quote(check.unit()), environment(host), limit);
        if (result.timedOut()) {
            return Sample.failed("systemctl is-active did not answer within " + seconds(limit));
        }
        String state = result.output().strip();
        if (state.equals("active")) {
            return Sample.passed("unit is active");
        }
        if (UNIT_STATE.matcher(state).matches()) {
            return Sample.failed("unit is " + state);
        }
        // not a state: systemctl itself failed (no systemd running, no permission)
        String last = OneLine.last(mask.apply(result.output()));
        return Sample.failed("systemctl is-active failed: exit " + result.exitCode() + (last.isEmpty() ? "" : ": " + last));
    }

    /** A sample's limit in whole seconds, rounded up: what is left of a timeout is rarely a round number. */
    private static String seconds(Duration limit) {
        return (limit.toMillis() + 999) / 1000 + "s";
    }

    private static String quote(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }

    /** Why a connection or request failed, in the words a user knows. */
    static String why(IOException e, Duration limit) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        String lower = message.toLowerCase(Locale.ROOT);
        if (e instanceof ConnectException && lower.contains("refused")) {
            return "connection refused";
        }
        if (e instanceof SocketTimeoutException) {
            return "no answer within " + seconds(limit);
        }
        if (e instanceof UnknownHostException) {
            return "unknown host " + message;
        }
        if (e instanceof NoRouteToHostException) {
            return "no route to host";
        }
        if (e instanceof SSLHandshakeException) {
            if (lower.contains("pkix path") || lower.contains("unable to find valid certification path")) {
                return "TLS: the certificate is not trusted (no issuer of it is in Java's trust store)";
            }
            if (lower.contains("no subject alternative") || lower.contains("no name matching")) {
                return "TLS: the certificate is for another name (" + message + ")";
            }
            return "TLS handshake failed: " + message;
        }
        if (e instanceof EOFException) {
            return message.isEmpty() ? "the connection closed before an answer" : message;
        }
        if (lower.contains("connection reset")) {
            return "the connection was reset before an answer";
        }
        return message.isEmpty() ? e.getClass().getSimpleName() : message;
    }
}
