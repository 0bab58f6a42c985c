package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.notify.Event;
import dev.driftless.report.SyncState;
import dev.driftless.store.HistoryQuery;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.store.Reconcile;
import dev.driftless.store.ServiceOutcome;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What lets people trust an agent (issue 10): a dry run changes nothing, suspensions hold and survive a restart,
 * a restart shows at once what is known, a hand edit of an alert service is kept or reported before it is
 * overwritten, and agents sharing one history database keep their records and memory apart. Real agents, a real
 * Git repository over file:// and SQLite history.
 */
class AgentTrustTest {

    @TempDir
    Path tmp;

    TestRepo repo;
    Path root;
    Path stateDir;
    final List<HistoryStore> opened = new ArrayList<>();
    final List<Event> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() {
        root = tmp.resolve("root");
        stateDir = tmp.resolve("state");
        repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        web("port 80");
        db("shared_buffers 1GB");
        repo.commit("web and db");
    }

    @AfterEach
    void tearDown() {
        opened.forEach(HistoryStore::close);
    }

    private void web(String content) {
        repo.write("services/web/service.yaml", "hosts: [box]\nfiles:\n  - path: /etc/web.conf\n    content: \""
                + content + "\\n\"\n");
    }

    private void db(String content) {
        repo.write("services/db/service.yaml", "hosts: [box]\ndrift: alert\nfiles:\n  - path: /etc/db.conf\n"
                + "    content: \"" + content + "\\n\"\n");
    }

    private HistoryStore history(String url, String agent) {
        HistoryStore store = JdbcHistoryStore.open(url, agent);
        opened.add(store);
        return store;
    }

    private HistoryStore history() {
        return history(JdbcHistoryStore.defaultUrl(stateDir), "test-agent");
    }

    private Agent agent(HistoryStore history, boolean dryRun, boolean startSuspended) {
        AgentSettings settings = AgentFixture.with(AgentFixture.settings("file://" + repo.dir(), tmp), "test-agent",
                dryRun, startSuspended);
        return new Agent(settings, history, new AgentMetrics(), events::add, Clock.systemUTC());
    }

    private static List<Reconcile> of(HistoryStore history, String commit) {
        return history.history(HistoryQuery.latest(100)).stream().filter(r -> r.commit().equals(commit)).toList();
    }

    private static AgentStatus.HostStatus host(AgentStatus status, String name) {
        return status.hosts().stream().filter(h -> h.host().equals(name)).findFirst().orElseThrow();
    }

    private static SyncState sync(AgentStatus status, String host, String service) {
        return host(status, host).services().stream().filter(s -> s.service().equals(service)).findFirst()
                .orElseThrow().sync();
    }

    @Test
    void aDryRunPlansANewCommitOnceAndNeverAppliesOrHeals() throws Exception {
        HistoryStore history = history();
        agent(history, false, false).reconcileOnce("start");
        Agent dry = agent(history, true, false);
        web("port 8080");
        String next = repo.commit("web on 8080");

        dry.reconcileOnce("webhook");
        dry.reconcileOnce("interval");

        assertThat(root.resolve("etc/web.conf")).hasContent("port 80");
        AgentStatus status = dry.status();
        assertThat(status.dryRun()).isTrue();
        assertThat(sync(status, "box", "web")).isEqualTo(SyncState.PENDING);
        assertThat(host(status, "box").sync()).isEqualTo(SyncState.PENDING);
        assertThat(of(history, next)).as("one record per commit, not one per interval").singleElement()
                .satisfies(r -> {
                    assertThat(r.result()).isEqualTo(Reconcile.Result.SKIPPED);
                    assertThat(r.error()).contains("dry run");
                });

        Files.writeString(root.resolve("etc/web.conf"), "port 1\n");
        dry.checkDriftOnce();
        assertThat(root.resolve("etc/web.conf")).as("a dry run heals nothing").hasContent("port 1");
        assertThat(events).anyMatch(e -> e.kind() == Event.Kind.DRIFT_FOUND && e.service().equals("web")
                && e.summary().contains("not healed: dry run"));
    }

    @Test
    void anAgentStartedSuspendedAppliesNothingUntilResumed() throws Exception {
        Agent agent = agent(history(), false, true);

        agent.reconcileOnce("start");
        assertThat(root.resolve("etc/web.conf")).doesNotExist();
        assertThat(agent.status().suspended()).isTrue();

        agent.resume(Optional.empty());
        agent.reconcileOnce("resume");
        assertThat(agent.status().suspended()).isFalse();
        assertThat(root.resolve("etc/web.conf")).hasContent("port 80");
    }
    /** Hosts a and b; web on both, db (alert) on a. */
    private String twoHosts(String version) {
        repo.write("driftless.yaml", "hosts:\n  a:\n    address: local\n  b:\n    address: local\n");
        repo.write("services/web/service.yaml", "hosts: [a, b]\nfiles:\n  - path: /etc/web.conf\n    content: \""
                + version + "\\n\"\n");
        repo.write("services/db/service.yaml", "hosts: [a]\ndrift: alert\nfiles:\n  - path: /etc/db.conf\n"
                + "    content: \"db\\n\"\n");
        return repo.commit("web " + version);
    }

    /** The agent's history closed, as when its process ends, and opened again by the next one. */
    private HistoryStore restart(HistoryStore history) {
        history.close();
        opened.remove(history);
        return history();
    }

    @Test
    void aSuspensionSurvivesARestartAndHoldsBackNewCommitsUntilResumed() throws Exception {
        twoHosts("v1");
        HistoryStore history = history();
        Agent first = agent(history, false, false);
        first.reconcileOnce("start");
        first.suspend(Optional.of("b"), "ops");

        Agent agent = agent(restart(history), false, false);
        AgentStatus.HostStatus b = host(agent.status(), "b");
        assertThat(b.suspended()).isTrue();
        assertThat(b.suspendedBy()).contains("ops");
        assertThat(host(agent.status(), "a").suspended()).isFalse();

        twoHosts("v2");
        agent.reconcileOnce("webhook");
        assertThat(root.resolve("a/etc/web.conf")).hasContent("v2");
        assertThat(root.resolve("b/etc/web.conf")).as("held back on the suspended host").hasContent("v1");

        agent.resume(Optional.of("b"));
        agent.reconcileOnce("resume");
        assertThat(root.resolve("b/etc/web.conf")).hasContent("v2");
        assertThat(host(agent.status(), "b").suspended()).isFalse();
    }

    @Test
    void aRestartShowsEveryHostAndServiceWithItsCommitBeforeItsFirstReconcile() throws Exception {
        String applied = twoHosts("v1");
        HistoryStore history = history();
        agent(history, false, false).reconcileOnce("start");

        AgentStatus status = agent(restart(history), false, false).status();

        assertThat(status.appliedCommit()).contains(applied);
        assertThat(status.hosts()).extracting(AgentStatus.HostStatus::host).containsExactly("a", "b");
        assertThat(host(status, "a").services()).extracting(AgentStatus.ServiceStatus::service)
                .containsExactly("db", "web");
        assertThat(host(status, "b").services()).extracting(AgentStatus.ServiceStatus::service)
                .containsExactly("web");
        assertThat(status.hosts()).allSatisfy(h -> {
            assertThat(h.appliedCommit()).contains(applied);
            assertThat(h.sync()).isEqualTo(SyncState.IN_SYNC);
        });
    }
    @Test
    void aHandEditOfAnAlertServiceIsKeptByUnrelatedCommitsAndReportedBeforeItsOwnCommitOverwritesIt()
            throws Exception {
        HistoryStore history = history();
        Agent agent = agent(history, false, false);
        agent.reconcileOnce("start");
        Files.writeString(root.resolve("etc/db.conf"), "shared_buffers 4GB\n");

        web("port 8080");
        repo.commit("web on 8080");
        agent.reconcileOnce("webhook");
        assertThat(root.resolve("etc/web.conf")).hasContent("port 8080");
        assertThat(root.resolve("etc/db.conf")).as("the hand edit is kept").hasContent("shared_buffers 4GB");
        assertThat(events).anyMatch(e -> e.kind() == Event.Kind.DRIFT_FOUND && e.service().equals("db")
                && e.summary().contains("/etc/db.conf"));
        assertThat(sync(agent.status(), "box", "db")).isEqualTo(SyncState.DRIFTED);

        events.clear();
        db("shared_buffers 2GB");
        String overwriting = repo.commit("db with 2GB");
        agent.reconcileOnce("webhook");
        assertThat(root.resolve("etc/db.conf")).hasContent("shared_buffers 2GB");
        List<Event> ofDb = events.stream().filter(e -> e.service().equals("db")).toList();
        assertThat(ofDb).extracting(Event::kind).as("the hand edit is reported first")
                .containsExactly(Event.Kind.DRIFT_FOUND, Event.Kind.APPLIED);
        assertThat(ofDb.get(0).summary()).contains("overwrote a hand edit", "/etc/db.conf");
        List<Reconcile> records = of(history, overwriting);
        Reconcile found = records.stream().filter(r -> r.kind() == Reconcile.Kind.DRIFT_CHECK).findFirst()
                .orElseThrow();
        Reconcile applied = records.stream().filter(r -> r.kind() == Reconcile.Kind.APPLY).findFirst().orElseThrow();
        assertThat(found.result()).isEqualTo(Reconcile.Result.DRIFT_FOUND);
        assertThat(found.id()).as("recorded before the apply").isLessThan(applied.id());
        assertThat(found.services()).singleElement().satisfies(o -> {
            assertThat(o.service()).isEqualTo("db");
            assertThat(o.status()).isEqualTo(ServiceOutcome.Status.DRIFTED);
            assertThat(o.changes()).singleElement().satisfies(c -> assertThat(c.diff()).contains("shared_buffers 4GB"));
        });
        assertThat(applied.result()).isEqualTo(Reconcile.Result.SUCCEEDED);
    }

    @Test
    void agentsSharingOneDatabaseApplyEachCommitOnTheirOwnHostsAndKeepTheirFailuresApart() throws Exception {
        String url = JdbcHistoryStore.defaultUrl(tmp.resolve("shared"));
        Path alphaRoot = tmp.resolve("alpha-root");
        Path betaRoot = tmp.resolve("beta-root");
        Agent alpha = named(history(url, "alpha"), "alpha", alphaRoot);
        alpha.reconcileOnce("start");
        assertThat(alphaRoot.resolve("etc/web.conf")).hasContent("port 80");

        HistoryStore betaHistory = history(url, "beta");
        Agent beta = named(betaHistory, "beta", betaRoot);
        beta.reconcileOnce("start");
        assertThat(betaRoot.resolve("etc/web.conf")).as("beta does not resume from alpha's apply").hasContent("port 80");

        web("port 8080");
        String next = repo.commit("web on 8080");
        // on alpha's host the file cannot be replaced: the commit fails there, deterministically
        Files.delete(alphaRoot.resolve("etc/web.conf"));
        Files.createDirectories(alphaRoot.resolve("etc/web.conf/in-the-way"));
        alpha.reconcileOnce("webhook");
        assertThat(alpha.status().failedCommit()).contains(next);

        betaHistory.close();
        opened.remove(betaHistory);
        Agent restarted = named(history(url, "beta"), "beta", betaRoot);
        restarted.reconcileOnce("start");
        assertThat(betaRoot.resolve("etc/web.conf")).as("alpha's failure is not beta's").hasContent("port 8080");
        assertThat(restarted.status().failedCommit()).isEmpty();
        HistoryStore everyAgent = JdbcHistoryStore.open(url);
        opened.add(everyAgent);
        List<Reconcile> applies = of(everyAgent, next);
        assertThat(applies).extracting(Reconcile::agent, Reconcile::result).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("alpha", Reconcile.Result.FAILED),
                org.assertj.core.groups.Tuple.tuple("beta", Reconcile.Result.SUCCEEDED));
    }

    private Agent named(HistoryStore history, String name, Path hostsRoot) {
        AgentSettings settings = AgentFixture.with(AgentFixture.settings("file://" + repo.dir(), tmp, hostsRoot,
                tmp.resolve(name + "-state"), dev.driftless.render.RenderLimits.DEFAULT), name, false, false);
        return new Agent(settings, history, new AgentMetrics(), events::add, Clock.systemUTC());
    }
}
