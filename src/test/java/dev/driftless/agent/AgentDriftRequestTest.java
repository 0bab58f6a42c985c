package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.store.HistoryQuery;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.store.Reconcile;
import dev.driftless.testing.TestClock;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Agent#requestDriftCheck} as an engine's event calls it, on a local --root host whose file is edited by hand:
 * the loop checks (and heals) at once though the drift interval is an hour, and a host whose checks keep finding drift
 * waits a second of the agent's clock (a test clock, moved by the test) before the next requested one.
 */
class AgentDriftRequestTest {

    @TempDir
    Path tmp;

    final TestClock clock = new TestClock(Instant.parse("2026-12-01T08:00:00Z"));
    TestRepo repo;
    HistoryStore history;
    Agent agent;

    @BeforeEach
    void setUp() {
        repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/notes/service.yaml", """
                hosts: [box]
                files:
                  - path: /etc/notes.txt
                    content: "from git\\n"
                """);
        repo.commit("notes");
        history = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(tmp.resolve("state")), "test-agent");
    }

    @AfterEach
    void tearDown() {
        history.close();
    }

    private Path notes() {
        return tmp.resolve("root/etc/notes.txt");
    }

    private AgentFixture.Loop started() throws InterruptedException {
        agent = new Agent(AgentFixture.settings("file://" + repo.dir(), tmp), history, new AgentMetrics(), e -> { },
                clock);
        AgentFixture.Loop loop = new AgentFixture.Loop(agent);
        assertThat(loop.next()).isEqualTo("fetch");
        return loop;
    }

    /** Edits the file by hand and asks for a check as an event would; the check has healed it when this returns. */
    private void editAndAskHealed(AgentFixture.Loop loop, String edit) throws Exception {
        Files.writeString(notes(), edit);
        agent.requestDriftCheck("box", "container app_web_1 of stack app: die");
        assertThat(loop.next(30)).isEqualTo("drift");
        assertThat(notes()).hasContent("from git\n");
    }

    @Test
    void aRequestedCheckHealsAtOnceThoughTheDriftIntervalIsAnHour() throws Exception {
        try (AgentFixture.Loop loop = started()) {
            editAndAskHealed(loop, "by hand\n");

            assertThat(history.history(HistoryQuery.latest(10))).first().satisfies(r -> {
                assertThat(r.kind()).isEqualTo(Reconcile.Kind.DRIFT_CHECK);
                assertThat(r.result()).isEqualTo(Reconcile.Result.DRIFT_HEALED);
                // the agent's watch of the file may ask before the test does
                assertThat(r.trigger()).isIn("engine event", "file change");
            });
        }
    }

    @Test
    void afterACheckThatFoundDriftTheNextRequestedOneWaitsASecond() throws Exception {
        try (AgentFixture.Loop loop = started()) {
            editAndAskHealed(loop, "by hand\n");
            Files.writeString(notes(), "by hand again\n");

            agent.requestDriftCheck("box", "container app_web_1 of stack app: die");
            agent.requestDriftCheck("box", "container app_web_1 of stack app: die");

            assertThat(loop.next(3)).as("no check while the agent's clock stands still").isNull();
            assertThat(notes()).hasContent("by hand again\n");
            clock.advance(Duration.ofSeconds(1));
            assertThat(loop.next(30)).isEqualTo("drift");
            assertThat(notes()).hasContent("from git\n");
            assertThat(loop.next(3)).as("the two requests were one check").isNull();
        }
    }

    @Test
    void aCheckThatFindsTheHostInSyncLetsTheNextRequestRunAtOnce() throws Exception {
        try (AgentFixture.Loop loop = started()) {
            editAndAskHealed(loop, "by hand\n");
            clock.advance(Duration.ofSeconds(1));
            agent.requestDriftCheck("box", "container app_web_1 of stack app: stop");
            assertThat(loop.next(30)).as("in sync").isEqualTo("drift");

            editAndAskHealed(loop, "by hand again\n");
        }
    }
}
