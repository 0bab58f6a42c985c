package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.notify.Event;
import dev.driftless.store.HistoryQuery;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.store.Reconcile;
import dev.driftless.store.ResourceChange;
import dev.driftless.store.ServiceOutcome;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent watches the managed files of its local hosts (a host under a root in a temporary folder, real inotify):
 * a hand edit is found and healed within seconds though the drift interval is an hour, a file Driftless does not
 * manage asks for no check, and the agent's own apply ends in a check that records nothing.
 */
class AgentFileWatchTest {

    // far more than a check and heal take here (well under a second), far less than the drift interval (an hour)
    private static final Duration WITHIN = Duration.ofSeconds(5);

    @TempDir
    Path tmp;

    TestRepo repo;
    HistoryStore history;
    Agent agent;
    final List<Event> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void repository() {
        repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/notes/service.yaml", service("from git"));
        repo.commit("notes");
        history = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(tmp.resolve("state")), "test-agent");
    }

    @AfterEach
    void close() {
        history.close();
    }

    private static String service(String content) {
        return """
                hosts: [box]
                files:
                  - path: /etc/notes/notes.txt
                    content: "%s\\n"
                """.formatted(content);
    }

    private Path managed() {
        return tmp.resolve("root/etc/notes/notes.txt");
    }

    /** The agent's loop, once it applied the first commit (the fixture's intervals are an hour). */
    private AgentFixture.Loop started() throws InterruptedException {
        AgentSettings settings = AgentFixture.settings("file://" + repo.dir(), tmp);
        assertThat(settings.driftInterval()).isEqualTo(Duration.ofHours(1));
        agent = new Agent(settings, history, new AgentMetrics(), events::add, Clock.systemUTC());
        AgentFixture.Loop loop = new AgentFixture.Loop(agent);
        assertThat(loop.next()).isEqualTo("fetch");
        assertThat(managed()).hasContent("from git\n");
        return loop;
    }

    private List<Reconcile> driftChecks() {
        return history.history(HistoryQuery.latest(100)).stream().filter(r -> r.kind() == Reconcile.Kind.DRIFT_CHECK)
                .toList();
    }

    /** The first drift check recorded, within {@link #WITHIN}. */
    private Reconcile awaitDriftCheck() throws InterruptedException {
        long deadline = System.nanoTime() + WITHIN.toNanos();
        while (driftChecks().isEmpty()) {
            assertThat(System.nanoTime()).as("a drift check recorded within %d s", WITHIN.toSeconds())
                    .isLessThan(deadline);
            Thread.sleep(20);
        }
        return driftChecks().get(0);
    }

    @Test
    void aHandEditOfAManagedFileIsRecordedAsDriftAndHealedWithinSecondsThoughTheDriftIntervalIsAnHour()
            throws Exception {
        try (AgentFixture.Loop loop = started()) {
            long edited = System.nanoTime();
            Files.writeString(managed(), "by hand\n");

            Reconcile check = awaitDriftCheck();
            System.out.println("recorded " + Duration.ofNanos(System.nanoTime() - edited).toMillis()
                    + " ms after the edit");
            assertThat(check.trigger()).isEqualTo("file change");
            assertThat(check.result()).isEqualTo(Reconcile.Result.DRIFT_HEALED);
            assertThat(check.services()).singleElement().satisfies(o -> {
                assertThat(o.host()).isEqualTo("box");
                assertThat(o.service()).isEqualTo("notes");
                assertThat(o.status()).isEqualTo(ServiceOutcome.Status.HEALED);
                assertThat(o.changes()).extracting(ResourceChange::path).containsExactly("/etc/notes/notes.txt");
            });
            assertThat(managed()).hasContent("from git\n");
            assertThat(events).anySatisfy(e -> assertThat(e.kind()).isEqualTo(Event.Kind.DRIFT_HEALED));
            // the heal's own write asks for one more check, which finds the host in sync
            assertThat(loop.count("drift", Duration.ofSeconds(3))).isBetween(1, 2);
            assertThat(driftChecks()).hasSize(1);
        }
    }

    @Test
    void aFileOfTheSameFolderThatDriftlessDoesNotManageAsksForNoCheck() throws Exception {
        try (AgentFixture.Loop loop = started()) {
            Files.writeString(tmp.resolve("root/etc/notes/scratch.txt"), "not managed\n");
            Files.delete(tmp.resolve("root/etc/notes/scratch.txt"));
            Files.writeString(tmp.resolve("root/etc/other.txt"), "not managed\n");

            assertThat(loop.next(2)).as("no check").isNull();

            // the watch is alive: the managed file next to it asks at once
            Files.writeString(managed(), "by hand\n");
            assertThat(loop.next((int) WITHIN.toSeconds())).isEqualTo("drift");
            assertThat(driftChecks()).singleElement().satisfies(r -> assertThat(r.trigger()).isEqualTo("file change"));
        }
    }

    @Test
    void theAgentsOwnApplyEndsInACheckThatFindsTheHostInSyncAndRecordsNothing() throws Exception {
        try (AgentFixture.Loop loop = started()) {
            repo.write("services/notes/service.yaml", service("version 2"));
            repo.commit("notes: version 2");
            agent.requestReconcile("webhook");
            assertThat(loop.next()).isEqualTo("fetch");
            assertThat(managed()).hasContent("version 2\n");

            assertThat(loop.next((int) WITHIN.toSeconds())).as("the check the apply's write asked for")
                    .isEqualTo("drift");
            assertThat(driftChecks()).as("nothing recorded: the host is in sync").isEmpty();
            assertThat(events).noneMatch(e -> e.kind() == Event.Kind.DRIFT_FOUND || e.kind() == Event.Kind.DRIFT_HEALED);

            // the watch follows the new commit's paths
            Files.writeString(managed(), "by hand\n");
            assertThat(awaitDriftCheck().result()).isEqualTo(Reconcile.Result.DRIFT_HEALED);
            assertThat(managed()).hasContent("version 2\n");
        }
        long deadline = System.nanoTime() + WITHIN.toNanos();
        while (Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("driftless-file-watch"))) {
            assertThat(System.nanoTime()).as("the watch ends with the agent").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
