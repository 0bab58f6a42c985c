package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.notify.Event;
import dev.driftless.source.RepoSource;
import dev.driftless.store.HistoryQuery;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.Reconcile;
import dev.driftless.testing.Command;
import dev.driftless.testing.PushedRepo;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forward only in tag mode (issue 15 item 3): an agent following {@code --ref 'v*'} applies the highest matching
 * version, and refuses a tag that is not a higher version than the last it applied (a deleted or moved-back tag),
 * across restarts, unless an operator allows it once. Real agents fetching over a real git daemon into their shallow
 * cache; tags made and pushed (and deleted) by the real git; SQLite history; hosts a and b under one root.
 */
class AgentTagModeTest {

    @TempDir
    Path tmp;

    PushedRepo repo;
    AgentHistories histories;
    final List<Event> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        histories = new AgentHistories(tmp.resolve("state"));
        repo = PushedRepo.create(tmp.resolve("git"));
        repo.write("driftless.yaml", "hosts:\n  a:\n    address: local\n  b:\n    address: local\n");
    }

    @AfterEach
    void tearDown() {
        histories.close();
        repo.close();
    }

    private Agent agent(HistoryStore history, String ref) {
        return new Agent(AgentFixture.settings(repo.url(), Optional.of(ref), tmp, Optional.empty(),
                RepoSource.GitAuth.none()), history, new AgentMetrics(), events::add, Clock.systemUTC());
    }

    /** Runs the real git in the clone PushedRepo pushes from. */
    private String git(String... args) {
        List<String> command = new ArrayList<>(List.of("git", "-C", tmp.resolve("git/work").toString(), "-c",
                "user.name=Test", "-c", "user.email=test@example.org", "-c", "tag.gpgsign=false"));
        command.addAll(List.of(args));
        return Command.run(Duration.ofSeconds(60), command).orThrow().output();
    }

    /** Service web on both hosts saying {@code version}, committed, pushed and tagged {@code version}; its commit. */
    private String release(String version) {
        repo.write("services/web/service.yaml", "hosts: [a, b]\nfiles:\n  - path: /etc/web.conf\n    content: \""
                + version + "\\n\"\n");
        String commit = repo.commitAndPush("web " + version);
        git("tag", "-a", "-m", "release " + version, version);
        git("push", "-q", "origin", "refs/tags/" + version);
        return commit;
    }

    private void deleteTag(String tag) {
        git("tag", "-d", tag);
        git("push", "-q", "origin", ":refs/tags/" + tag);
    }

    private Path webConf(String host) {
        return tmp.resolve("root/" + host + "/etc/web.conf");
    }

    private List<Event> refusals() {
        return events.stream().filter(e -> e.kind() == Event.Kind.REWIND_REFUSED)
                .toList();
    }

    private static AgentStatus.HostStatus host(Agent agent, String name) {
        return agent.status().hosts().stream().filter(h -> h.host().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aHigherVersionIsAppliedThoughItsCommitDoesNotDescendFromTheLastOne() {
        Agent agent = agent(histories.open(), "v*");
        String v10 = release("v1.0");
        release("v1.1");
        agent.reconcileOnce("start");
        assertThat(webConf("a")).hasContent("v1.1");

        // a hotfix of 1.0 on a branch of its own: not a descendant of v1.1, but a higher version
        git("checkout", "-q", "-b", "hotfix", v10);
        repo.write("services/web/service.yaml", "hosts: [a, b]\nfiles:\n  - path: /etc/web.conf\n    content: \""
                + "v1.2 hotfix\\n\"\n");
        git("commit", "-q", "-a", "-m", "hotfix");
        git("tag", "-a", "-m", "hotfix", "v1.2");
        git("push", "-q", "origin", "refs/tags/v1.2");
        agent.reconcileOnce("webhook");

        assertThat(webConf("a")).hasContent("v1.2 hotfix");
        assertThat(webConf("b")).hasContent("v1.2 hotfix");
        assertThat(refusals()).isEmpty();
    }

    @Test
    void aLowerHighestTagIsRefusedAcrossARestartAndAnAllowedRewindGoesThroughOnce() {
        HistoryStore history = histories.open();
        Agent first = agent(history, "v*");
        release("v1.0");
        first.reconcileOnce("start");
        String v15 = release("v1.5");
        String v20 = release("v2.0");
        first.reconcileOnce("webhook");
        assertThat(webConf("a")).as("the highest version, not each in turn").hasContent("v2.0");

        deleteTag("v2.0");
        HistoryStore reopened = histories.restart(history);
        Agent agent = agent(reopened, "v*");
        agent.reconcileOnce("start");
        agent.reconcileOnce("interval");

        assertThat(webConf("a")).as("nothing applied").hasContent("v2.0");
        assertThat(webConf("b")).hasContent("v2.0");
        assertThat(refusals()).as("notified once").singleElement().satisfies(e -> {
            assertThat(e.commit()).isEqualTo(v15);
            assertThat(e.summary()).contains("a, b: tag v1.5 (commit " + v15.substring(0, 12) + ") is not a higher"
                    + " version than tag v2.0 (commit " + v20.substring(0, 12) + "), the newest applied there",
                    "driftless allow-rewind --to " + v15.substring(0, 12));
        });
        assertThat(host(agent, "a").rewindRefused()).hasValueSatisfying(r -> {
            assertThat(r.commit()).isEqualTo(v15);
            assertThat(r.newest()).isEqualTo(v20);
        });

        agent.allowRewind(v15.substring(0, 10), "alice");
        agent.reconcileOnce("rewind allowed by alice");

        assertThat(webConf("a")).hasContent("v1.5");
        Reconcile applied = reopened.history(HistoryQuery.latest(1)).get(0);
        assertThat(applied.commit()).isEqualTo(v15);
        assertThat(applied.trigger()).isEqualTo("rewind allowed by alice");
        release("v1.6");
        agent.reconcileOnce("webhook");
        assertThat(webConf("a")).as("forward from the allowed tag").hasContent("v1.6");

        deleteTag("v1.6");
        agent.reconcileOnce("webhook");
        assertThat(webConf("a")).as("the leave was for one rewind only").hasContent("v1.6");
        assertThat(refusals()).hasSize(2);
    }

    @Test
    void anAgentThatFollowedABranchJudgesItsFirstTagByAncestry() {
        HistoryStore history = histories.open();
        Agent onBranch = agent(history, "main");
        String base = repo.commitAndPush("hosts");
        release("v1.0");
        onBranch.reconcileOnce("start");
        assertThat(webConf("a")).hasContent("v1.0");

        repo.forcePush(base); // main moved back: v2.0 below does not descend from what a ran
        release("v2.0");
        Agent onTags = agent(histories.restart(history), "v*");
        onTags.reconcileOnce("start");

        assertThat(webConf("a")).as("refused by ancestry: no tag was applied yet").hasContent("v1.0");
        assertThat(refusals()).singleElement().satisfies(e -> assertThat(e.summary()).contains("does not descend"));
    }
}
