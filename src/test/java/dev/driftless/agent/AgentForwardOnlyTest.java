package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.notify.Event;
import dev.driftless.store.HistoryQuery;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.Reconcile;
import dev.driftless.testing.PushedRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forward only (issue 15): the agent refuses a commit that does not descend from the newest commit it applied on a
 * host (a force-push back to an older commit, a rewritten history), keeps the host at its commit, says so once, and
 * remembers what it applied across restarts; a rollback on request is not a step back; an operator may allow one
 * rewind. Real agents fetching over a real git daemon into their shallow cache, real {@code git push --force},
 * SQLite history; hosts a and b under one root.
 */
class AgentForwardOnlyTest {

    @TempDir
    Path tmp;

    PushedRepo repo;
    Path root;
    Path stateDir;
    AgentHistories histories;
    final List<Event> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        root = tmp.resolve("root");
        stateDir = tmp.resolve("state");
        histories = new AgentHistories(stateDir);
        repo = PushedRepo.create(tmp.resolve("git"));
        repo.write("driftless.yaml", "hosts:\n  a:\n    address: local\n  b:\n    address: local\n");
    }

    @AfterEach
    void tearDown() {
        histories.close();
        repo.close();
    }

    /** Service web on both hosts, its file saying {@code version}, pushed. */
    private String web(String version) {
        repo.write("services/web/service.yaml", "hosts: [a, b]\nfiles:\n  - path: /etc/web.conf\n    content: \""
                + version + "\\n\"\n");
        return repo.commitAndPush("web " + version);
    }

    private Agent agent(HistoryStore history) {
        return new Agent(AgentFixture.settings(repo.url(), tmp), history, new AgentMetrics(), events::add,
                Clock.systemUTC());
    }

    private static AgentStatus.HostStatus host(Agent agent, String name) {
        return agent.status().hosts().stream().filter(h -> h.host().equals(name)).findFirst().orElseThrow();
    }

    private Path webConf(String host) {
        return root.resolve(host + "/etc/web.conf");
    }

    private List<Event> refusals() {
        return events.stream().filter(e -> e.kind() == Event.Kind.REWIND_REFUSED && e.summary().startsWith("rewind refused"))
                .toList();
    }

    private static List<Reconcile> refusalsIn(HistoryStore history) {
        return history.history(HistoryQuery.latest(50)).stream().filter(r -> r.error() != null
                && r.error().startsWith("rewind refused")).toList();
    }

    /** Status says that {@code commit} was refused on host a as a step back from {@code newest}. */
    private static void assertRefusedOnA(Agent agent, String commit, String newest) {
        assertThat(host(agent, "a").rewindRefused()).hasValueSatisfying(r -> {
            assertThat(r.commit()).isEqualTo(commit);
            assertThat(r.newest()).isEqualTo(newest);
        });
    }

    /** Host a rolled back to {@code v1} on request, and put back there: a rollback is not a rewind. */
    private void rollBackAToV1(Agent agent, String v1) {
        agent.rollback("a", v1, "alice");
        agent.reconcileOnce("interval");
        assertThat(webConf("a")).hasContent("v1");
    }

    /** v1 then v2 applied to both hosts; returns v1. */
    private String twoCommitsApplied(Agent agent) {
        String v1 = web("v1");
        agent.reconcileOnce("start");
        web("v2");
        agent.reconcileOnce("webhook");
        assertThat(webConf("a")).hasContent("v2");
        assertThat(webConf("b")).hasContent("v2");
        return v1;
    }

    @Test
    void aForcePushBackToAnOlderCommitIsRefusedSaidOnceAndTheHostsKeepTheirCommit() throws Exception {
        HistoryStore history = histories.open();
        Agent agent = agent(history);
        String v1 = twoCommitsApplied(agent);
        String v2 = repo.head();

        repo.forcePush(v1);
        agent.reconcileOnce("webhook");
        agent.reconcileOnce("interval");

        assertThat(webConf("a")).as("nothing applied").hasContent("v2");
        assertThat(webConf("b")).hasContent("v2");
        assertThat(refusals()).as("notified once").hasSize(1);
        assertThat(refusals().get(0).commit()).isEqualTo(v1);
        assertThat(refusals().get(0).summary()).contains("a, b: commit " + v1.substring(0, 12)
                + " does not descend from " + v2.substring(0, 12) + ", the newest commit applied there",
                "force-push", "driftless allow-rewind --to " + v1.substring(0, 12));
        List<Reconcile> recorded = refusalsIn(history);
        assertThat(recorded).as("recorded once").hasSize(1);
        assertThat(recorded.get(0).commit()).isEqualTo(v1);
        assertThat(recorded.get(0).result()).isEqualTo(Reconcile.Result.FAILED);
        assertThat(recorded.get(0).services()).extracting(o -> o.host()).containsExactly("a", "b");
        AgentStatus status = agent.status();
        assertThat(status.failedCommit()).contains(v1);
        assertThat(status.failure()).hasValueSatisfying(f -> assertThat(f).startsWith("rewind refused on a, b"));
        assertThat(host(agent, "a").appliedCommit()).contains(v2);
        assertRefusedOnA(agent, v1, v2);

        Files.writeString(webConf("a"), "by hand\n");
        agent.checkDriftOnce();
        assertThat(webConf("a")).as("drift checks go on against the kept commit").hasContent("v2");
    }

    @Test
    void aRewrittenHistoryIsRefusedAndItsNotificationSettingsAreNotRead() {
        Agent agent = agent(histories.open());
        List<String> settingsReadFrom = new CopyOnWriteArrayList<>();
        agent.onCheckout(w -> settingsReadFrom.add(w.commit().id()));
        twoCommitsApplied(agent);
        String v2 = repo.head();

        String rewritten = repo.amendAndForcePush("web v2, reworded");
        agent.reconcileOnce("webhook");
        agent.reconcileOnce("interval");

        assertThat(host(agent, "a").appliedCommit()).contains(v2);
        assertThat(host(agent, "a").rewindRefused()).map(AgentStatus.RewindRefused::commit).contains(rewritten);
        assertThat(refusals()).hasSize(1);
        // whoever rewrote the history must not be able to redirect the notifications that report it
        assertThat(settingsReadFrom).contains(v2).doesNotContain(rewritten);
    }

    @Test
    void aHostNewInARewrittenHistoryIsJudgedAgainstTheNewestCommitAppliedAnywhere() {
        Agent agent = agent(histories.open());
        String v1 = twoCommitsApplied(agent);
        String v2 = repo.head();
        repo.forcePush(v1);
        repo.write("driftless.yaml", "hosts:\n  a:\n    address: local\n  b:\n    address: local\n"
                + "  c:\n    address: local\n");
        repo.write("services/web/service.yaml", "hosts: [a, b, c]\nfiles:\n  - path: /etc/web.conf\n"
                + "    content: \"rewritten\\n\"\n");
        String rewritten = repo.commitAndPush("web on c too, on top of v1");

        agent.reconcileOnce("webhook");

        assertThat(webConf("c")).as("not applied to a host the rewritten history names anew").doesNotExist();
        assertThat(webConf("a")).hasContent("v2");
        assertThat(host(agent, "c").rewindRefused()).hasValueSatisfying(r -> {
            assertThat(r.commit()).isEqualTo(rewritten);
            assertThat(r.newest()).isEqualTo(v2);
        });
    }

    @Test
    void theNewestCommitAHostRanSurvivesARestartEvenWhileItIsRolledBack() {
        HistoryStore history = histories.open();
        Agent first = agent(history);
        String v1 = twoCommitsApplied(first);
        String v2 = repo.head();
        rollBackAToV1(first, v1);

        // descends from v1, where a is now, but not from v2, the newest commit a ran before the restart
        String rewritten = repo.amendAndForcePush("web v2, reworded");
        Agent restarted = agent(histories.restart(history));
        restarted.reconcileOnce("start");

        assertThat(webConf("a")).hasContent("v1");
        assertRefusedOnA(restarted, rewritten, v2);
    }

    @Test
    void aCommitWhoseHistoryIsLongerThanTheBoundIsRefusedSayingTheAncestryCannotBeTold() {
        Agent agent = agent(histories.open());
        twoCommitsApplied(agent);
        String v2 = repo.head();

        String far = repo.commitManyAndPush(dev.driftless.source.RepoSource.ANCESTRY_DEPTH + 5);
        agent.reconcileOnce("webhook");

        assertThat(webConf("a")).hasContent("v2");
        assertRefusedOnA(agent, far, v2);
        assertThat(refusals()).singleElement().satisfies(e -> assertThat(e.summary()).contains("cannot tell whether"
                + " commit " + far.substring(0, 12) + " descends from " + v2.substring(0, 12), "it is not among the "
                + dev.driftless.source.RepoSource.ANCESTRY_DEPTH + " commits before it in " + repo.url()));
    }

    @Test
    void aRefusalSurvivesARestartAndIsNeitherSaidNorRecordedAgain() {
        HistoryStore history = histories.open();
        Agent first = agent(history);
        String v1 = twoCommitsApplied(first);
        repo.forcePush(v1);
        first.reconcileOnce("webhook");
        assertThat(refusals()).hasSize(1);

        HistoryStore reopened = histories.restart(history);
        Agent restarted = agent(reopened);
        assertThat(restarted.status().failedCommit()).as("status says it at once").contains(v1);
        assertThat(restarted.status().failure()).hasValueSatisfying(f -> assertThat(f).startsWith("rewind refused on")
                .contains("driftless allow-rewind --to " + v1.substring(0, 12)));
        assertThat(host(restarted, "b").rewindRefused()).hasValueSatisfying(r -> assertThat(r.why())
                .startsWith("commit " + v1.substring(0, 12) + " does not descend from"));
        restarted.reconcileOnce("start");

        assertThat(webConf("a")).hasContent("v2");
        assertThat(refusals()).hasSize(1);
        assertThat(refusalsIn(reopened)).hasSize(1);
    }

    @Test
    void aNewCommitAfterARollbackIsNotRefusedButAStepBehindTheNewestCommitTheHostRanIs() {
        Agent agent = agent(histories.open());
        String v1 = twoCommitsApplied(agent);
        rollBackAToV1(agent, v1);

        String v3 = web("v3");
        agent.reconcileOnce("webhook");
        assertThat(webConf("a")).hasContent("v3");
        assertThat(refusals()).isEmpty();

        rollBackAToV1(agent, v1);
        // a rewritten v3 descends from v1, where a is now, but not from v3, the newest commit a ran
        String rewritten = repo.amendAndForcePush("web v3, reworded");
        agent.reconcileOnce("webhook");

        assertThat(webConf("a")).hasContent("v1");
        assertRefusedOnA(agent, rewritten, v3);
    }

    @Test
    void anAllowedRewindIsAppliedOnceRecordedWithWhoAllowedItAndForwardIsThenJudgedFromIt() {
        HistoryStore history = histories.open();
        Agent agent = agent(history);
        String v1 = twoCommitsApplied(agent);
        String v2 = repo.head();
        repo.forcePush(v1);
        agent.reconcileOnce("webhook");
        assertThat(webConf("a")).hasContent("v2");

        AgentStatus.RewindAllowed allowed = agent.allowRewind(v1.substring(0, 10), "alice");
        agent.reconcileOnce("rewind allowed by alice");

        assertThat(allowed.commit()).as("the prefix resolved to the full id").isEqualTo(v1);
        assertThat(webConf("a")).hasContent("v1");
        assertThat(webConf("b")).hasContent("v1");
        Reconcile applied = history.history(HistoryQuery.latest(1)).get(0);
        assertThat(applied.commit()).isEqualTo(v1);
        assertThat(applied.trigger()).isEqualTo("rewind allowed by alice");
        assertThat(applied.result()).isEqualTo(Reconcile.Result.SUCCEEDED);
        assertThat(host(agent, "a").rewindRefused()).isEmpty();
        assertThat(agent.status().failedCommit()).isEmpty();

        String v3 = web("v3");
        agent.reconcileOnce("webhook");
        assertThat(webConf("a")).as("forward from the allowed commit").hasContent("v3");
        repo.forcePush(v2);
        agent.reconcileOnce("webhook");
        assertThat(webConf("a")).as("the leave was for one rewind only").hasContent("v3");
        assertRefusedOnA(agent, v2, v3);
    }

    @Test
    void onlyTheCommitTheRefNamesNowMayBeAllowed() {
        Agent agent = agent(histories.open());
        String v1 = twoCommitsApplied(agent);
        String v2 = repo.head();
        repo.forcePush(v1);
        agent.reconcileOnce("webhook");

        assertThatThrownBy(() -> agent.allowRewind(v2, "alice")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is not the commit HEAD names now (" + v1.substring(0, 12) + ")");
        assertThatThrownBy(() -> agent.allowRewind("main~1", "alice")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not in the agent's copy of");
        assertThat(webConf("a")).hasContent("v2");
    }
}
