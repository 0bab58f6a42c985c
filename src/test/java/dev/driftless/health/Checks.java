package dev.driftless.health;

import dev.driftless.model.HealthCheck;
import dev.driftless.model.Location;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** Health checks as a service's {@code health:} would load them, for tests. */
final class Checks {

    static final Location WHERE = new Location("services/app/service.yaml", 7, "health[0]");

    private Checks() {
    }

    static HealthCheck.Http http(String url, int successes, Duration timeout) {
        return new HealthCheck.Http(URI.create(url), Optional.empty(), Optional.empty(), timeout, successes, WHERE);
    }

    static HealthCheck.Http status(String url, int status) {
        return new HealthCheck.Http(URI.create(url), Optional.of(status), Optional.empty(), Duration.ofSeconds(2), 1,
                WHERE);
    }

    static HealthCheck.Http contains(String url, String text) {
        return new HealthCheck.Http(URI.create(url), Optional.empty(), Optional.of(text), Duration.ofSeconds(2), 1,
                WHERE);
    }

    static HealthCheck.Tcp tcp(int port, int successes, Duration timeout) {
        return new HealthCheck.Tcp("127.0.0.1", port, timeout, successes, WHERE);
    }

    static HealthCheck.Command command(String command, int successes, Duration timeout) {
        return new HealthCheck.Command(command, timeout, successes, WHERE);
    }

    static HealthCheck.UnitActive unit(String unit) {
        return new HealthCheck.UnitActive(unit, Duration.ofSeconds(2), 1, WHERE);
    }
}
