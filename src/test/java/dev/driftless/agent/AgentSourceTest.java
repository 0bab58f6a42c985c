package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.notify.Event;
import dev.driftless.source.RepoSource;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.transport.RefSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the agent says about its source: a local --repo that is missing or not a Git repository is an
 * unavailable source (not ready, counted, notified once, exit 1 with --once), never "ok"; a bare
 * repository whose HEAD names a branch nobody pushed is followed with --ref main.
 */
class AgentSourceTest {

    @TempDir
    Path tmp;

    HistoryStore history;
    final AgentMetrics metrics = new AgentMetrics();
    final List<Event> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() {
        history = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(tmp.resolve("state")), "test-agent");
    }

    @AfterEach
    void tearDown() {
        history.close();
    }

    private Agent agent(String repo, Optional<String> ref) {
        return new Agent(AgentFixture.settings(repo, ref, tmp, Optional.empty(), RepoSource.GitAuth.none()), history,
                metrics, events::add, Clock.systemUTC());
    }

    private void assertUnavailable(Agent agent, String reason) {
        AgentStatus status = agent.status();
        assertThat(status.source()).isEqualTo("unavailable");
        assertThat(status.sourceError()).get().asString().contains(reason);
        assertThat(agent.ready()).as("ready").isFalse();
        assertThat(metrics.scrape()).containsPattern("(?m)^driftless_source_fetch_errors_total [1-9]");
        assertThat(events).filteredOn(e -> e.kind() == Event.Kind.SOURCE_UNAVAILABLE).hasSize(1)
                .allSatisfy(e -> assertThat(e.summary()).contains(reason));
    }

    @Test
    void aMissingFolderIsAnUnavailableSourceNotReadyAndCounted() {
        Agent agent = agent(tmp.resolve("no-such-dir").toString(), Optional.empty());

        agent.reconcileOnce("start");

        assertUnavailable(agent, "no such folder");
    }

    @Test
    void aFolderThatIsNotAGitRepositoryIsAnUnavailableSourceInTheLoop() throws Exception {
        Path plain = Files.createDirectories(tmp.resolve("plain"));
        Agent agent = agent(plain.toString(), Optional.empty());

        try (AgentFixture.Loop loop = new AgentFixture.Loop(agent)) {
            assertThat(loop.next()).isEqualTo("fetch");
            assertUnavailable(agent, "not a Git repository");
        }
    }

    @Test
    void aBranchThatDoesNotExistInALocalRepositoryIsAnUnavailableSource() {
        TestRepo repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts: {}\n").commit("empty");
        Agent agent = agent(repo.dir().toString(), Optional.of("no-such-branch"));

        agent.reconcileOnce("start");

        assertUnavailable(agent, "ref 'no-such-branch' not found");
    }

    @Test
    void onceWithAMissingFolderSaysSourceUnavailableAndExitsOne() {
        Path missing = tmp.resolve("no-such-dir");

        Cli.Result once = Cli.run("agent", "--once", "--repo", missing.toString(), "--state-dir",
                tmp.resolve("once-state").toString());

        assertThat(once.exitCode()).as(once.toString()).isEqualTo(1);
        assertThat(once.err()).contains("source unavailable: no such folder: " + missing)
                .doesNotContain("source ok");
    }

    @Test
    void aBareRepositoryWhoseHeadNamesAMissingBranchIsFollowedWithRefMain() throws Exception {
        Path bare = tmp.resolve("infra.git");
        try (TestRepo work = TestRepo.init(tmp.resolve("work"))) {
            work.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
            work.write("services/web/service.yaml",
                    "hosts: [box]\nfiles:\n  - path: /etc/web.conf\n    content: \"v1\\n\"\n");
            work.commit("v1");
            Git.init().setBare(true).setInitialBranch("master").setDirectory(bare.toFile()).call().close();
            try (Git git = Git.open(work.dir().toFile())) {
                git.push().setRemote(bare.toUri().toString()).setRefSpecs(new RefSpec("refs/heads/main:refs/heads/main"))
                        .call();
            }
        }
        Agent agent = agent("file://" + bare, Optional.of("main"));

        agent.reconcileOnce("start");

        assertThat(agent.status().source()).as(agent.status().toString()).isEqualTo("ok");
        assertThat(agent.status().appliedCommit()).isPresent();
        assertThat(tmp.resolve("root/etc/web.conf")).hasContent("v1");
        assertThat(agent.ready()).isTrue();
    }
}
