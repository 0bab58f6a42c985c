package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.health.HealthChecks;
import dev.driftless.render.RenderLimits;
import dev.driftless.report.HealthState;
import dev.driftless.store.HistoryQuery;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.store.Reconcile;
import dev.driftless.testing.DockerEngine;
import dev.driftless.testing.Images.Image;
import dev.driftless.testing.StackEngine;
import dev.driftless.testing.TestClock;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's drift check samples a stack's {@code container:} check on the engine the host names (its
 * {@code dockerHost}, not the one this process would find): this machine as a host, with a dockerd of the test's
 * own. The checks' clock is a test clock that each pause moves.
 */
class AgentContainerHealthTest {

    @TempDir
    Path tmp;

    private StackEngine engines;
    private HistoryStore history;
    private final String host = "agent-stack-" + UUID.randomUUID().toString().substring(0, 8);

    @AfterEach
    void stop() throws Exception {
        if (history != null) {
            history.close();
        }
        if (engines != null) {
            engines.close();
        }
        Files.deleteIfExists(Path.of("/var/lib/driftless/state/" + host + ".json"));
    }

    @Test
    void aDriftCheckSamplesTheContainersOfTheHostsOwnEngineAndFindsAStoppedOneDegraded() throws Exception {
        engines = StackEngine.start(tmp);
        DockerEngine engine = engines.engine();
        Image image = engines.image();
        TestRepo repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  " + host + ":\n    address: local\n    dockerHost: unix://"
                + engine.socket() + "\n");
        repo.write("services/app/compose.yaml", "services:\n  web:\n    image: " + image.reference()
                + "\n    network_mode: none\n");
        repo.write("services/app/service.yaml", """
                hosts: [%s]
                drift: alert
                compose:
                  source: compose.yaml
                  directory: %s
                health:
                  - container: web
                    timeout: 3s
                """.formatted(host, tmp.resolve("srv/app")));
        repo.commit("a stack of one container");
        history = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(tmp.resolve("state")), "test-agent");
        TestClock clock = new TestClock(Instant.parse("2026-12-01T08:00:00Z"));
        Agent agent = new Agent(AgentFixture.settings("file://" + repo.dir(), tmp, Path.of("/"), tmp.resolve("state"),
                RenderLimits.DEFAULT), history, new AgentMetrics(), event -> { }, clock,
                new HealthChecks(clock, clock::advance, SSLContext.getDefault()));
        agent.reconcileOnce("start");
        assertThat(health(agent)).isEqualTo(HealthState.HEALTHY);

        engine.docker("stop", "-t", "1", "app_web_1").orThrow();
        agent.checkDriftOnce();

        assertThat(health(agent)).isEqualTo(HealthState.DEGRADED);
        Reconcile check = history.history(HistoryQuery.latest(1)).get(0);
        assertThat(check.kind()).isEqualTo(Reconcile.Kind.DRIFT_CHECK);
        assertThat(check.services()).singleElement().satisfies(o -> assertThat(o.error())
                .contains("health check container web failed: app_web_1 is exited"));
    }

    private HealthState health(Agent agent) {
        return agent.status().hosts().stream().filter(h -> h.host().equals(host)).findFirst().orElseThrow()
                .services().stream().filter(s -> s.service().equals("app")).findFirst().orElseThrow().health();
    }
}
