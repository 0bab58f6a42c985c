package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.TestClock;
import dev.driftless.report.FailureKind;
import dev.driftless.report.SyncState;
import dev.driftless.store.HistoryQuery;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.store.Reconcile;
import dev.driftless.store.ServiceOutcome;
import dev.driftless.testing.Processes;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the agent treats a failure by its kind: a deterministic one (a handler that fails) is not retried on
 * the same commit, only a newer commit is applied; a transient one (a host whose apply lock is held) is
 * retried on the same commit once its backoff has passed, without a new commit.
 */
class FailureKindsTest {

    @TempDir
    Path tmp;

    TestRepo repo;
    HistoryStore history;
    final TestClock clock = new TestClock(Instant.parse("2025-01-01T00:00:00Z"));

    @BeforeEach
    void setUp() {
        repo = TestRepo.init(tmp.resolve("repo"));
        history = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(tmp.resolve("state")), "test-agent");
    }

    @AfterEach
    void tearDown() {
        history.close();
    }

    private Agent agent(AgentSettings settings) {
        return new Agent(settings, history, new AgentMetrics(), e -> { }, clock);
    }

    /** The fixture's settings, waiting no more than a second for a host's apply lock. */
    private AgentSettings shortLockTimeout() {
        AgentSettings s = AgentFixture.settings("file://" + repo.dir(), tmp);
        return new AgentSettings(s.repo(), s.ref(), s.path(), s.hosts(), s.interval(), s.driftInterval(), s.stateDir(),
                s.root(), s.ssh(), s.keys(), s.parallel(), Duration.ofSeconds(1), s.handlerTimeout(), s.git(),
                s.unhealthyAfter(), s.render(), s.protectedPaths(), s.agent(), s.dryRun(), s.startSuspended(),
                s.cache());
    }

    private Reconcile latest() {
        return history.history(HistoryQuery.latest(1)).get(0);
    }

    /**
     * How service app, or the host as a whole (service ""), ended on each host; the lock holder's own
     * service on b, removed by the agent, is not this test's concern.
     */
    private Map<String, ServiceOutcome.Status> byHost(Reconcile reconcile) {
        return reconcile.services().stream().filter(o -> o.service().equals("app") || o.service().isEmpty())
                .collect(Collectors.toMap(ServiceOutcome::host, ServiceOutcome::status));
    }

    private static SyncState sync(Agent agent, String host, String service) {
        return agent.status().hosts().stream().filter(h -> h.host().equals(host)).findFirst().orElseThrow()
                .services().stream().filter(s -> s.service().equals(service)).map(AgentStatus.ServiceStatus::sync)
                .findFirst().orElseThrow();
    }

    private String appService(String content, String handler) {
        return """
                hosts: [box]
                files:
                  - path: /etc/app.conf
                    content: "%s\\n"
                    onChange: [reload]
                handlers:
                  reload: '%s'
                """.formatted(content, handler);
    }

    @Test
    void aDeterministicFailureIsNotRetriedOnTheSameCommitButANewerCommitIsApplied() throws Exception {
        Path runs = tmp.resolve("runs");
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/app/service.yaml", appService("v1", "echo ran >> " + runs + "; exit 1"));
        String failing = repo.commit("app v1 with a reload that fails");
        Agent agent = agent(AgentFixture.settings("file://" + repo.dir(), tmp));

        agent.reconcileOnce("start");

        assertThat(latest().result()).isEqualTo(Reconcile.Result.FAILED);
        assertThat(latest().commit()).isEqualTo(failing);
        assertThat(Files.readAllLines(runs)).hasSize(1);
        assertThat(AgentMemory.load(history).failure("box")).hasValueSatisfying(f -> {
            assertThat(f.commit()).isEqualTo(failing);
            assertThat(f.kind()).isEqualTo(FailureKind.DETERMINISTIC);
        });
        int reconciles = history.history(HistoryQuery.latest(100)).size();

        clock.advance(Duration.ofDays(1));
        agent.reconcileOnce("interval");

        assertThat(Files.readAllLines(runs)).as("the handler is not run again for the same commit").hasSize(1);
        assertThat(history.history(HistoryQuery.latest(100))).hasSize(reconciles);
        assertThat(sync(agent, "box", "app")).isEqualTo(SyncState.FAILED);

        repo.write("services/app/service.yaml", appService("v2", "echo ran >> " + runs));
        String fixed = repo.commit("app v2 with a reload that works");
        agent.reconcileOnce("interval");

        assertThat(latest().commit()).isEqualTo(fixed);
        assertThat(latest().result()).isEqualTo(Reconcile.Result.SUCCEEDED);
        assertThat(Files.readAllLines(runs)).hasSize(2);
        assertThat(Files.readString(tmp.resolve("root/etc/app.conf"))).isEqualTo("v2\n");
        assertThat(sync(agent, "box", "app")).isEqualTo(SyncState.IN_SYNC);
    }

    @Test
    void aHostWhoseLockIsHeldFailsTransientlyAndGetsTheSameCommitOnceTheLockIsFree() throws Exception {
        repo.write("driftless.yaml", "hosts:\n  a:\n    address: local\n  b:\n    address: local\n");
        repo.write("services/app/service.yaml", """
                hosts: [a, b]
                files:
                  - path: /etc/app.conf
                    content: "v1\\n"
                """);
        String commit = repo.commit("app on a and b");
        Path rootB = tmp.resolve("root/b");
        AgentFixture.Gate gate = AgentFixture.Gate.in(Files.createDirectories(tmp.resolve("gate")));
        Process holder = holdTheLock(rootB, gate);
        Agent agent = agent(shortLockTimeout());
        try {
            agent.reconcileOnce("start");
        } finally {
            gate.release();
            assertThat(holder.waitFor(60, TimeUnit.SECONDS)).as("the apply holding b's lock ends").isTrue();
        }

        assertThat(latest().result()).isEqualTo(Reconcile.Result.FAILED);
        assertThat(latest().error()).contains("gave up after 1s waiting for the apply lock");
        assertThat(byHost(latest())).containsEntry("a", ServiceOutcome.Status.APPLIED)
                .containsEntry("b", ServiceOutcome.Status.FAILED);
        assertThat(Files.readString(tmp.resolve("root/a/etc/app.conf"))).isEqualTo("v1\n");
        assertThat(rootB.resolve("etc/app.conf")).doesNotExist();
        assertThat(AgentMemory.load(history).failure("b")).hasValueSatisfying(f -> {
            assertThat(f.commit()).isEqualTo(commit);
            assertThat(f.kind()).isEqualTo(FailureKind.TRANSIENT);
        });
        assertThat(AgentMemory.load(history).failure("a")).isEmpty();

        clock.advance(Duration.ofMinutes(1));
        agent.reconcileOnce("interval");

        assertThat(latest().commit()).as("the same commit, no new one").isEqualTo(commit);
        assertThat(latest().result()).isEqualTo(Reconcile.Result.SUCCEEDED);
        assertThat(byHost(latest()).keySet()).as("only the host that failed is tried again").containsExactly("b");
        assertThat(Files.readString(rootB.resolve("etc/app.conf"))).isEqualTo("v1\n");
        assertThat(sync(agent, "b", "app")).isEqualTo(SyncState.IN_SYNC);
        assertThat(AgentMemory.load(history).failure("b")).isEmpty();
    }

    /** Another apply, in its own process, on the folder that is host b: it holds b's lock until the gate opens. */
    private Process holdTheLock(Path root, AgentFixture.Gate gate) throws Exception {
        TestRepo other = TestRepo.init(tmp.resolve("holder"));
        other.write("driftless.yaml", "hosts:\n  b:\n    address: local\n");
        other.write("services/hold/service.yaml", """
                hosts: [b]
                files:
                  - path: /etc/hold.conf
                    content: "held\\n"
                    onChange: [hold]
                handlers:
                  hold: '%s'
                """.formatted(gate.command()));
        other.commit("hold b's lock");
        Process holder = Processes.start(Processes.driftless(tmp, "apply", "--repo", other.dir().toString(),
                "--root", root.toString()).redirectErrorStream(true).redirectOutput(tmp.resolve("holder.log").toFile()));
        gate.awaitRunning(holder);
        return holder;
    }
}
