package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.store.HistoryQuery;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.Reconcile;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rolling a host back on request (issue 13): the whole host goes back to an earlier commit that was healthy there,
 * and is held there until it is resumed or a newer commit arrives; the hold survives a restart and the history says
 * who asked. Real agents over a real Git repository (file://) with SQLite history; hosts a and b under one root.
 */
class AgentRollbackTest {

    @TempDir
    Path tmp;

    TestRepo repo;
    Path root;
    Path stateDir;
    AgentHistories histories;

    @BeforeEach
    void setUp() {
        root = tmp.resolve("root");
        stateDir = tmp.resolve("state");
        histories = new AgentHistories(stateDir);
        repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  a:\n    address: local\n  b:\n    address: local\n");
    }

    @AfterEach
    void tearDown() {
        histories.close();
    }

    /** Service web on both hosts, its file saying {@code version}. */
    private String web(String version) {
        repo.write("services/web/service.yaml", "hosts: [a, b]\nfiles:\n  - path: /etc/web.conf\n    content: \""
                + version + "\\n\"\n");
        return repo.commit("web " + version);
    }

    private Agent agent(HistoryStore history) {
        return new Agent(AgentFixture.settings("file://" + repo.dir(), tmp), history, new AgentMetrics(), e -> { },
                Clock.systemUTC());
    }

    private static AgentStatus.HostStatus host(Agent agent, String name) {
        return agent.status().hosts().stream().filter(h -> h.host().equals(name)).findFirst().orElseThrow();
    }

    private Path webConf(String host) {
        return root.resolve(host + "/etc/web.conf");
    }

    /** v1 then v2 applied to both hosts; returns v1. */
    private String twoCommitsApplied(Agent agent) {
        String v1 = web("v1");
        agent.reconcileOnce("start");
        web("v2");
        agent.reconcileOnce("webhook");
        assertThat(webConf("a")).hasContent("v2");
        return v1;
    }

    /** v1 then v2 applied to both hosts, then host a rolled back to v1 by alice and held there; returns v1. */
    private String rolledBack(Agent agent) {
        String v1 = twoCommitsApplied(agent);
        agent.rollback("a", v1, "alice");
        agent.reconcileOnce("interval");
        assertThat(webConf("a")).hasContent("v1");
        return v1;
    }

    @Test
    void aRollbackPutsOnlyThatHostBackAtTheHealthyCommitRecordsWhoAskedAndHoldsItThere() throws Exception {
        HistoryStore history = histories.open();
        Agent agent = agent(history);
        String v1 = twoCommitsApplied(agent);

        AgentStatus.Hold hold = agent.rollback("a", v1.substring(0, 10), "alice");
        agent.reconcileOnce("interval");

        assertThat(hold.commit()).as("the prefix resolved to the full id").isEqualTo(v1);
        assertThat(webConf("a")).hasContent("v1");
        assertThat(webConf("b")).as("the other host stays").hasContent("v2");
        AgentStatus.HostStatus a = host(agent, "a");
        assertThat(a.appliedCommit()).contains(v1);
        assertThat(a.held()).hasValueSatisfying(h -> {
            assertThat(h.commit()).isEqualTo(v1);
            assertThat(h.by()).isEqualTo("alice");
            assertThat(h.since()).isEqualTo(hold.since());
        });
        assertThat(host(agent, "b").held()).isEmpty();
        Reconcile rollback = history.history(HistoryQuery.latest(1)).get(0);
        assertThat(rollback.kind()).isEqualTo(Reconcile.Kind.APPLY);
        assertThat(rollback.commit()).isEqualTo(v1);
        assertThat(rollback.trigger()).isEqualTo("rollback by alice");
        assertThat(rollback.result()).isEqualTo(Reconcile.Result.SUCCEEDED);
        assertThat(rollback.services()).extracting(o -> o.host()).containsOnly("a");

        agent.reconcileOnce("interval");
        assertThat(webConf("a")).as("the newest commit is not applied while held").hasContent("v1");
        Files.writeString(webConf("a"), "by hand\n");
        agent.checkDriftOnce();
        assertThat(webConf("a")).as("drift is healed back to the rolled-back commit").hasContent("v1");
    }

    @Test
    void aCommitPushedAfterTheRollbackEndsTheHoldAndIsApplied() {
        Agent agent = agent(histories.open());
        rolledBack(agent);

        String v3 = web("v3");
        agent.reconcileOnce("webhook");

        assertThat(webConf("a")).hasContent("v3");
        assertThat(host(agent, "a").held()).isEmpty();
        assertThat(host(agent, "a").appliedCommit()).contains(v3);
    }

    @Test
    void resumingTheHostEndsTheHoldAndCatchesUpWithTheNewestCommit() {
        Agent agent = agent(histories.open());
        rolledBack(agent);

        agent.resume(Optional.of("a"));
        agent.reconcileOnce("resume");

        assertThat(webConf("a")).hasContent("v2");
        assertThat(host(agent, "a").held()).isEmpty();
    }

    @Test
    void theHoldSurvivesARestart() {
        HistoryStore history = histories.open();
        String v1 = rolledBack(agent(history));

        Agent agent = agent(histories.restart(history));
        assertThat(host(agent, "a").held()).hasValueSatisfying(h -> assertThat(h.by()).isEqualTo("alice"));
        agent.reconcileOnce("start");

        assertThat(webConf("a")).hasContent("v1");
        assertThat(host(agent, "a").held()).map(AgentStatus.Hold::commit).contains(v1);
    }

    @Test
    void aRollbackAskedBeforeTheRestartIsAppliedAfterIt() {
        HistoryStore history = histories.open();
        Agent first = agent(history);
        String v1 = twoCommitsApplied(first);
        first.rollback("a", v1, "alice");

        agent(histories.restart(history)).reconcileOnce("start");

        assertThat(webConf("a")).hasContent("v1");
    }

    @Test
    void refusesAnUnknownHostAnUnknownCommitAndACommitNeverHealthyOnThatHost() {
        HistoryStore history = histories.open();
        Agent agent = agent(history);
        String v1 = twoCommitsApplied(agent);
        repo.write("services/app/service.yaml", """
                hosts: [a]
                files:
                  - path: /etc/app.conf
                    content: "broken\\n"
                health:
                  - command: "false"
                    timeout: 1s
                    successes: 1
                """);
        String broken = repo.commit("app that never passes its check");
        agent.reconcileOnce("webhook");
        assertThat(agent.status().failedCommit()).as("the broken commit failed its health check").contains(broken);

        assertThatThrownBy(() -> agent.rollback("nope", v1, "alice")).isInstanceOfSatisfying(RollbackRefused.class,
                e -> {
                    assertThat(e.reason()).isEqualTo(RollbackRefused.Reason.UNKNOWN_HOST);
                    assertThat(e.getMessage()).contains("'nope' is not a host this agent manages (hosts: a, b)");
                });
        assertThatThrownBy(() -> agent.rollback("a", "main~1", "alice")).isInstanceOfSatisfying(RollbackRefused.class,
                e -> assertThat(e.reason()).isEqualTo(RollbackRefused.Reason.UNKNOWN_COMMIT));
        assertThatThrownBy(() -> agent.rollback("a", "0123456789abcdef0123456789abcdef01234567", "alice"))
                .isInstanceOfSatisfying(RollbackRefused.class, e -> {
                    assertThat(e.reason()).isEqualTo(RollbackRefused.Reason.UNKNOWN_COMMIT);
                    assertThat(e.getMessage()).contains("is not in the agent's copy of");
                });
        assertThatThrownBy(() -> agent.rollback("a", broken, "alice")).isInstanceOfSatisfying(RollbackRefused.class,
                e -> {
                    assertThat(e.reason()).isEqualTo(RollbackRefused.Reason.NEVER_HEALTHY);
                    assertThat(e.getMessage()).contains("was never applied and found healthy on a",
                            "no apply of " + broken + " on a in which no service failed or was degraded",
                            "driftless history --host a");
                });
        assertThat(agent.status().hosts()).allSatisfy(h -> assertThat(h.held()).isEmpty());
    }
}
