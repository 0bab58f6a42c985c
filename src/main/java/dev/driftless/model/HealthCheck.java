package dev.driftless.model;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * One way to tell whether a service works, from its host's point of view (127.0.0.1 is the host's own
 * loopback). Healthy only after {@code successes} passes in a row, one a second, within {@code timeout}.
 */
public sealed interface HealthCheck {

    Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    int DEFAULT_SUCCESSES = 3;

    Duration timeout();

    int successes();

    Location where();

    /** What the check looks at, for reports: {@code http http://127.0.0.1:8080/healthz}. */
    String describe();

    /** An HTTP GET answering 2xx (or {@code status}), whose body holds {@code contains} when given. */
    record Http(URI url, Optional<Integer> status, Optional<String> contains, Duration timeout, int successes,
            Location where) implements HealthCheck {
        @Override
        public String describe() {
            return "http " + url;
        }
    }

    /** A TCP connection that opens. */
    record Tcp(String host, int port, Duration timeout, int successes, Location where) implements HealthCheck {
        @Override
        public String describe() {
            return "tcp " + host + ":" + port;
        }
    }

    /** A shell command on the host that exits 0. */
    record Command(String command, Duration timeout, int successes, Location where) implements HealthCheck {
        @Override
        public String describe() {
            return "command " + command;
        }
    }

    /**
     * The containers of compose service {@code service} of the service's own stack (compose project {@code project}):
     * every one running and, where its image or compose file gives it a healthcheck, healthy.
     */
    record Container(String project, String service, Duration timeout, int successes, Location where)
            implements HealthCheck {
        @Override
        public String describe() {
            return "container " + service;
        }
    }

    /** A systemd unit that is active. */
    record UnitActive(String unit, Duration timeout, int successes, Location where) implements HealthCheck {
        @Override
        public String describe() {
            return "unit " + unit;
        }
    }
}
