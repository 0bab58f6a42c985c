package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.notify.Event;
import dev.driftless.store.HistoryQuery;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.store.Reconcile;
import dev.driftless.store.ServiceOutcome;
import dev.driftless.testing.Cli;
import dev.driftless.testing.Processes;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What no commit, crash or hand-made apply may do to the agent: end its loop, make it retry a commit that
 * killed it, or leave a host at another commit than the one it decided on.
 */
class AgentResilienceTest {

    @TempDir
    Path tmp;

    TestRepo repo;
    Path root;
    Path stateDir;
    HistoryStore history;
    final List<Event> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() {
        root = tmp.resolve("root");
        stateDir = tmp.resolve("state");
        repo = TestRepo.init(tmp.resolve("repo"));
        history = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(stateDir), "test-agent");
    }

    @AfterEach
    void tearDown() {
        history.close();
    }

    private Agent agent(Clock clock) {
        return new Agent(AgentFixture.settings("file://" + repo.dir(), tmp), history, new AgentMetrics(), events::add,
                clock);
    }

    private Agent agent() {
        return agent(Clock.systemUTC());
    }

    private List<Reconcile> records() {
        return history.history(HistoryQuery.latest(100));
    }

    private String service(String name, String hosts, String content) {
        return """
                hosts: [%s]
                files:
                  - path: /etc/%s.conf
                    content: "%s\\n"
                """.formatted(hosts, name, content);
    }

    /** A service whose one file triggers a handler running {@code command}. */
    private static String held(String command) {
        return """
                hosts: [box]
                files:
                  - path: /etc/web.conf
                    content: "v1\\n"
                    onChange: [hold]
                handlers:
                  hold: %s
                """.formatted(command);
    }

    @Test
    void anErrorInACycleDoesNotEndTheLoop() throws Exception {
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/web/service.yaml", service("web", "box", "v1"));
        repo.commit("v1");
        Agent agent = agent();
        AtomicBoolean first = new AtomicBoolean(true);
        agent.onCheckout(w -> {
            if (first.getAndSet(false)) {
                throw new OutOfMemoryError("Java heap space (thrown by the test)");
            }
        });
        try (AgentFixture.Loop loop = new AgentFixture.Loop(agent)) {
            assertThat(loop.next()).as("the cycle that threw").isEqualTo("failed");
            agent.requestReconcile("webhook");
            assertThat(loop.next()).as("the loop goes on").isEqualTo("fetch");
            assertThat(root.resolve("etc/web.conf")).hasContent("v1");
        }
    }

    @Test
    void aCommitWithABrokenInventoryFailsOnceAndTheLoopAppliesTheNextOne() throws Exception {
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/web/service.yaml", service("web", "box", "v1"));
        repo.commit("v1");
        Agent agent = agent();
        try (AgentFixture.Loop loop = new AgentFixture.Loop(agent)) {
            assertThat(loop.next()).isEqualTo("fetch");
            repo.write("driftless.yaml", "hosts:\n  box:\n    adress: local\n");
            String broken = repo.commit("typo in the inventory");
            agent.requestReconcile("webhook");
            assertThat(loop.next()).isEqualTo("fetch");
            agent.requestReconcile("interval");
            assertThat(loop.next()).isEqualTo("fetch");
            assertThat(records().stream().filter(r -> broken.equals(r.commit())).toList()).as("recorded once")
                    .singleElement().satisfies(r -> {
                        assertThat(r.result()).isEqualTo(Reconcile.Result.FAILED);
                        assertThat(r.error()).contains("driftless.yaml:3", "adress");
                    });

            repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
            repo.write("services/web/service.yaml", service("web", "box", "v3"));
            String fixed = repo.commit("fixed");
            agent.requestReconcile("webhook");
            assertThat(loop.next()).isEqualTo("fetch");
            assertThat(root.resolve("etc/web.conf")).hasContent("v3");
            assertThat(agent.status().appliedCommit()).contains(fixed);
        }
    }

    @Test
    void aCommitDuringWhichTheProcessDiedIsMarkedFailedAtTheNextStartAndNotTriedAgain() throws Exception {
        AgentFixture.Gate gate = AgentFixture.Gate.in(tmp);
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/web/service.yaml", held("echo run >> \"$DRIFTLESS_ROOT/runs\" && " + gate.command()));
        String commit = repo.commit("v1 with a handler that never ends");
        history.close(); // the process writes it
        Process process = Processes.start(Processes.driftless(tmp, "agent", "--repo", "file://" + repo.dir(),
                "--state-dir", stateDir.toString(), "--root", root.toString(), "--listen", "127.0.0.1:0",
                "--interval", "1h", "--drift-interval", "1h", "--agent-id", "test-agent").redirectErrorStream(true)
                .redirectOutput(tmp.resolve("agent.log").toFile()));
        try {
            gate.awaitRunning(process);
            process.destroyForcibly(); // SIGKILL, as the kernel's OOM killer or systemd's stop timeout would
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            process.destroyForcibly();
        }
        gate.release(); // the handler's child (cat) is still waiting on the fifo

        history = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(stateDir), "test-agent");
        Agent restarted = agent();
        restarted.reconcileOnce("start");
        assertThat(root.resolve("runs")).as("the handler is not run again").hasContent("run");
        assertThat(records()).singleElement().satisfies(r -> {
            assertThat(r.commit()).isEqualTo(commit);
            assertThat(r.result()).isEqualTo(Reconcile.Result.FAILED);
            assertThat(r.error()).contains("stopped while applying this commit");
        });
        assertThat(restarted.status().failedCommit()).contains(commit);
        assertThat(events).anyMatch(e -> e.kind() == Event.Kind.FAILED && e.commit().equals(commit));

        Agent again = agent();
        again.reconcileOnce("start");
        assertThat(records()).as("a second restart neither retries nor records it again").hasSize(1);
    }

    @Test
    void healthSaysUnhealthyWhileAReconcileRunsPastItsBudget() throws Exception {
        AgentFixture.Gate gate = AgentFixture.Gate.in(tmp);
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/web/service.yaml", held(gate.command()));
        String commit = repo.commit("v1");
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-29T12:00:00Z"));
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        Agent agent = agent(clock);
        Thread reconcile = new Thread(() -> agent.reconcileOnce("start"), "reconcile");
        reconcile.start();
        gate.awaitRunning();
        assertThat(agent.unhealthy()).as("within its budget").isEmpty();
        now.set(now.get().plus(Duration.ofMinutes(31))); // the fixture's budget is 30 minutes
        assertThat(agent.unhealthy()).hasValueSatisfying(reason -> assertThat(reason).contains(commit, "1860 s",
                "--unhealthy-after"));
        gate.release();
        reconcile.join(60_000);
        assertThat(reconcile.isAlive()).isFalse();
        assertThat(agent.unhealthy()).as("healthy again once it ends").isEmpty();
    }

    @Test
    void aHostTakenBackToAnOlderCommitByHandIsHealedAndAnAlertServiceReported() throws Exception {
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/web/service.yaml", service("web", "box", "v1"));
        repo.write("services/db/service.yaml", service("db", "box", "v1") + "drift: alert\n");
        String first = repo.commit("v1");
        Agent agent = agent();
        agent.reconcileOnce("start");
        repo.write("services/web/service.yaml", service("web", "box", "v2"));
        repo.write("services/db/service.yaml", service("db", "box", "v2") + "drift: alert\n");
        String second = repo.commit("v2");
        agent.reconcileOnce("webhook");
        assertThat(root.resolve("etc/web.conf")).hasContent("v2");

        // someone applies the older commit by hand: every difference is now "pending" for a plain check
        Cli.Result manual = Cli.run("apply", "--repo", repo.dir().toString(), "--ref", first, "--root", root.toString());
        assertThat(manual.exitCode()).as(manual.toString()).isZero();
        assertThat(root.resolve("etc/web.conf")).hasContent("v1");

        agent.checkDriftOnce();
        assertThat(root.resolve("etc/web.conf")).as("healed back to the agent's commit").hasContent("v2");
        assertThat(root.resolve("etc/db.conf")).as("an alert service is reported, not overwritten").hasContent("v1");
        Reconcile check = records().get(0);
        assertThat(check.kind()).isEqualTo(Reconcile.Kind.DRIFT_CHECK);
        assertThat(check.commit()).isEqualTo(second);
        assertThat(check.services()).anySatisfy(s -> {
            assertThat(s.service()).isEqualTo("web");
            assertThat(s.status()).isEqualTo(ServiceOutcome.Status.HEALED);
        }).anySatisfy(s -> {
            assertThat(s.service()).isEqualTo("db");
            assertThat(s.status()).isEqualTo(ServiceOutcome.Status.DRIFTED);
        });
        assertThat(agent.status().hosts()).singleElement().satisfies(h -> assertThat(h.services())
                .anySatisfy(s -> assertThat(s.sync()).isEqualTo(dev.driftless.report.SyncState.DRIFTED)));
        assertThat(events).anyMatch(e -> e.kind() == Event.Kind.DRIFT_FOUND && e.service().equals("db"));
    }

    @Test
    void aCommitThatFailsOnOneHostKeepsEachHostAtItsOwnTargetAcrossRestarts() throws Exception {
        repo.write("driftless.yaml", "hosts:\n  a:\n    address: local\n  b:\n    address: local\n");
        repo.write("services/web/service.yaml", service("web", "a, b", "v1"));
        repo.commit("v1");
        Agent agent = agent();
        agent.reconcileOnce("start");
        assertThat(root.resolve("a/etc/web.conf")).hasContent("v1");
        assertThat(root.resolve("b/etc/web.conf")).hasContent("v1");

        // on b only, a directory is in the way of the new file: the commit fails there and nowhere else
        Files.createDirectories(root.resolve("b/etc/app.conf"));
        repo.write("services/web/service.yaml", service("web", "a, b", "v2") + """
                  - path: /etc/app.conf
                    content: "app\\n"
                """);
        String second = repo.commit("v2");
        agent.reconcileOnce("webhook");
        assertThat(records().get(0).result()).isEqualTo(Reconcile.Result.FAILED);
        assertThat(root.resolve("a/etc/web.conf")).hasContent("v2");
        assertThat(agent.status().hosts()).anySatisfy(h -> {
            assertThat(h.host()).isEqualTo("a");
            assertThat(h.appliedCommit()).contains(second);
        });

        Agent restarted = agent();
        restarted.reconcileOnce("start");
        restarted.checkDriftOnce();
        assertThat(root.resolve("a/etc/web.conf")).as("a keeps the commit it got").hasContent("v2");
        assertThat(root.resolve("b/etc/web.conf")).as("b stays at its target").hasContent("v1");
        assertThat(records().stream().filter(r -> r.result() == Reconcile.Result.FAILED).count())
                .as("the failed commit is not retried after a restart").isEqualTo(1);
    }

    @Test
    void suspendingAHostTheAgentDoesNotManageIsRefused() {
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/web/service.yaml", service("web", "box", "v1"));
        repo.commit("v1");
        Agent agent = agent();
        agent.reconcileOnce("start");
        assertThatThrownBy(() -> agent.suspend(Optional.of("bx"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'bx' is not a host this agent manages (hosts: box)");
        assertThatThrownBy(() -> agent.resume(Optional.of("bx"))).isInstanceOf(IllegalArgumentException.class);
        agent.suspend(Optional.of("box"));
        assertThat(agent.status().hosts()).singleElement().satisfies(h -> assertThat(h.suspended()).isTrue());
    }
}
