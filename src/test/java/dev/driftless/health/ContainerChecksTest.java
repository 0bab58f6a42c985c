package dev.driftless.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.host.Host;
import dev.driftless.host.LocalHost;
import dev.driftless.host.SshConnections;
import dev.driftless.host.SshSettings;
import dev.driftless.model.Address;
import dev.driftless.model.HealthCheck;
import dev.driftless.report.HealthState;
import dev.driftless.testing.DockerEngine;
import dev.driftless.testing.Images;
import dev.driftless.testing.Images.Image;
import dev.driftless.testing.Images.Spec;
import dev.driftless.testing.Registry;
import dev.driftless.testing.SshServer;
import dev.driftless.testing.TestClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code container:} checks against a real engine (its own dockerd, images from a registry on 127.0.0.1), its
 * containers brought up by Debian's docker-compose with the stack label Driftless gives them. The engine is reached
 * as a host names it ({@code dockerHost}), or as the host's environment does, through the host's own
 * {@code docker inspect}, locally or over SSH.
 */
class ContainerChecksTest {

    private static final UnaryOperator<String> NO_SECRETS = UnaryOperator.identity();

    @TempDir
    Path temp;

    private DockerEngine engine;
    private Registry registry;
    private Image image;
    private Optional<String> dockerHost;
    private final Host host = new LocalHost("box", Optional.empty());

    @BeforeEach
    void engine() throws Exception {
        engine = DockerEngine.start(temp.resolve("docker"));
        registry = Registry.start(temp.resolve("registry"));
        image = new Images(engine, registry, temp.resolve("images")).push("app", "1", Spec.busybox());
        dockerHost = Optional.of("unix://" + engine.socket());
    }

    @AfterEach
    void stop() {
        engine.close();
        registry.close();
    }

    /** Brings up stack "app" of {@code services} (compose service name to the rest of its definition). */
    private void up(Map<String, String> services) throws Exception {
        StringBuilder compose = new StringBuilder("services:\n");
        services.forEach((name, more) -> compose.append("  ").append(name).append(":\n    image: ").append(image.reference())
                .append("\n    network_mode: none\n    labels:\n      dev.driftless.stack: app\n").append(more));
        Path project = Files.createDirectories(temp.resolve("app"));
        Files.writeString(project.resolve("docker-compose.yml"), compose.toString());
        engine.compose(project, "-p", "app", "up", "-d").orThrow();
    }

    private static HealthCheck.Container container(String service, Duration timeout) {
        return new HealthCheck.Container("app", service, timeout, HealthCheck.DEFAULT_SUCCESSES, Checks.WHERE);
    }

    private static Map<String, List<HealthCheck>> each(HealthCheck... checks) {
        Map<String, List<HealthCheck>> byService = new LinkedHashMap<>();
        for (HealthCheck check : checks) {
            byService.put(((HealthCheck.Container) check).service(), List.of(check));
        }
        return byService;
    }

    @Test
    void aContainerPassesOnlyAfterThreeSamplesAndOneThatDiesAfterASecondNeverDoes() throws Exception {
        up(Map.of("steady", "",
                "dying", "    command: [\"sh\", \"-c\", \"sleep 1; exit 1\"]\n",
                "looping", "    command: [\"sh\", \"-c\", \"sleep 1; exit 1\"]\n    restart: always\n"));

        Map<String, ServiceHealth> health = HealthChecks.inRealTime().afterApply(host, dockerHost,
                each(container("steady", Duration.ofSeconds(20)), container("dying", Duration.ofSeconds(6)),
                        container("looping", Duration.ofSeconds(6))), NO_SECRETS);

        CheckResult steady = health.get("steady").checks().get(0);
        assertThat(steady.passed()).as(steady.detail()).isTrue();
        assertThat(steady.samples()).isEqualTo(3);
        assertThat(steady.detail()).isEqualTo("app_steady_1 running, 3 times in a row");
        CheckResult dying = health.get("dying").checks().get(0);
        assertThat(health.get("dying").state()).as(dying.detail()).isEqualTo(HealthState.DEGRADED);
        assertThat(dying.detail()).contains("app_dying_1 is exited (exit 1)");
        // restarted each second, it is running at most samples: each pass is of another run, the first of a row
        CheckResult looping = health.get("looping").checks().get(0);
        assertThat(health.get("looping").state()).as(looping.detail()).isEqualTo(HealthState.DEGRADED);
        assertThat(looping.samples()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void aContainerWhoseHealthcheckFailsIsUnhealthyWithTheChecksOutput() throws Exception {
        image = new Images(engine, registry, temp.resolve("images")).push("app", "sick",
                Spec.busybox().withHealthcheck("echo database unreachable; exit 1"));
        up(Map.of("web", ""));

        CheckResult web = HealthChecks.inRealTime().afterApply(host, dockerHost,
                each(container("web", Duration.ofSeconds(5))), NO_SECRETS).get("web").checks().get(0);

        assertThat(web.passed()).isFalse();
        assertThat(web.detail()).contains("app_web_1 is unhealthy: database unreachable");
    }

    @Test
    void theAgentsOneSampleFindsARunningContainerHealthyAndAStoppedOneDegraded() throws Exception {
        up(Map.of("web", "", "db", ""));
        engine.docker("stop", "-t", "1", "app_db_1").orThrow();
        TestClock clock = new TestClock(Instant.parse("2026-11-30T10:00:00Z"));
        HealthChecks checks = new HealthChecks(clock, clock::advance, SSLContext.getDefault());

        Map<String, ServiceHealth> health = checks.sample(host, dockerHost,
                each(container("web", Duration.ofSeconds(3)), container("db", Duration.ofSeconds(3))), NO_SECRETS);

        assertThat(health.get("web").state()).isEqualTo(HealthState.HEALTHY);
        assertThat(health.get("web").checks().get(0).samples()).isEqualTo(1);
        assertThat(health.get("db").state()).isEqualTo(HealthState.DEGRADED);
        assertThat(health.get("db").checks().get(0).detail()).startsWith("app_db_1 is exited (exit ");
    }

    @Test
    void overSshTheHostsOwnInspectAsksTheEngineItsEnvironmentNames() throws Exception {
        up(Map.of("web", ""));
        Path userKey = SshServer.keygen(temp.resolve("user_key"));
        try (SshServer sshd = SshServer.start(temp.resolve("sshd"), temp.resolve("user_key.pub"), engine.env());
                SshConnections connections = new SshConnections(new SshSettings(Optional.of(userKey),
                        Files.writeString(temp.resolve("known_hosts"), sshd.knownHostsLine() + "\n"), false,
                        Duration.ofSeconds(5), Optional.empty()));
                Host remote = connections.connect("web-1", new Address.Ssh("root", "127.0.0.1", sshd.port()),
                        Optional.empty(), Optional.empty(), Optional.empty())) {

            CheckResult web = HealthChecks.inRealTime().afterApply(remote, Optional.empty(),
                    each(container("web", Duration.ofSeconds(20))), NO_SECRETS).get("web").checks().get(0);

            assertThat(web.passed()).as(web.detail()).isTrue();
            assertThat(web.detail()).isEqualTo("app_web_1 running, 3 times in a row");
        }
    }

    @Test
    void aComposeServiceWithoutContainersAndAnEngineThatIsNotThereFailWithWhy() throws Exception {
        up(Map.of("web", ""));

        Map<String, ServiceHealth> health = HealthChecks.inRealTime().afterApply(host, dockerHost,
                each(container("worker", Duration.ofMillis(500))), NO_SECRETS);
        Map<String, ServiceHealth> nowhere = HealthChecks.inRealTime().afterApply(host,
                Optional.of("unix://" + temp.resolve("none.sock")), each(container("web", Duration.ofMillis(500))),
                NO_SECRETS);

        assertThat(health.get("worker").checks().get(0).detail())
                .isEqualTo("no container of compose service worker (stack app)");
        assertThat(nowhere.get("web").state()).isEqualTo(HealthState.DEGRADED);
        assertThat(nowhere.get("web").checks().get(0).detail()).startsWith("the container engine failed")
                .contains("none.sock");
    }
}
