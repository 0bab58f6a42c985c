package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.notify.Event;
import dev.driftless.store.HistoryQuery;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.store.Reconcile;
import dev.driftless.testing.DockerEngine;
import dev.driftless.testing.StackEngine;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent follows the container engine's events: a stack's container killed by hand is healed within seconds
 * though the drift interval is an hour, what the agent itself does to the containers ends in a quiet check, and the
 * engine is followed again after it restarted. The engine is the test's own dockerd with images from a real registry
 * on 127.0.0.1; the host is this machine (its state under /var/lib/driftless/state, removed after each test).
 */
class AgentEngineEventsTest {

    // far more than a heal takes here (a few seconds), far less than the drift interval (an hour)
    private static final Duration HEALED_WITHIN = Duration.ofSeconds(45);

    @TempDir
    Path tmp;

    StackEngine stacks;
    DockerEngine engine;
    TestRepo repo;
    HistoryStore history;
    String host;
    Path stack;
    final List<Event> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void engineAndRepository() throws Exception {
        stacks = StackEngine.start(tmp);
        engine = stacks.engine();
        host = "events-test-" + UUID.randomUUID().toString().substring(0, 8);
        stack = tmp.resolve("srv/app");
        repo = TestRepo.init(tmp.resolve("repo"));
        stacks.writeApp(repo, host, stack, "version 1");
        repo.commit("an app of two containers");
        history = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(tmp.resolve("state")), "test-agent");
    }

    @AfterEach
    void stop() throws Exception {
        history.close();
        stacks.close();
        Files.deleteIfExists(Path.of("/var/lib/driftless/state/" + host + ".json"));
    }

    /** The fixture's settings (drift interval and fetch interval an hour) with the hosts at their real paths. */
    private Agent agent() {
        AgentSettings s = AgentFixture.settings("file://" + repo.dir(), tmp);
        // the apply lock is this machine's, which other tests' applies may hold a while
        AgentSettings unrooted = new AgentSettings(s.repo(), s.ref(), s.path(), s.hosts(), s.interval(),
                s.driftInterval(), s.stateDir(), Optional.empty(), s.ssh(), s.keys(), s.parallel(), Duration.ofMinutes(3),
                s.handlerTimeout(), s.git(), s.unhealthyAfter(), s.render(), s.protectedPaths(), s.agent(), s.dryRun(),
                s.startSuspended(), s.cache());
        assertThat(unrooted.driftInterval()).isEqualTo(Duration.ofHours(1));
        return new Agent(unrooted, history, new AgentMetrics(), events::add, Clock.systemUTC());
    }

    /** Applies the commit, then waits for the check the agent makes once it follows the engine. */
    private AgentFixture.Loop started(Agent agent) throws Exception {
        AgentFixture.Loop loop = new AgentFixture.Loop(agent);
        try {
            assertThat(loop.next(240)).isEqualTo("fetch");
            assertThat(state("app_web_1")).isEqualTo("running");
            assertThat(loop.await("drift", 60)).as("a check once the engine is followed").isTrue();
            return loop;
        } catch (AssertionError | RuntimeException e) {
            loop.close();
            throw e;
        }
    }

    private String inspect(String format, String container) {
        return engine.docker("inspect", "--format", format, container).orThrow().output().strip();
    }

    private String state(String container) {
        return inspect("{{.State.Status}}", container);
    }

    /** Kills the container and waits until it runs again, started anew; how long that took. */
    private Duration killAndAwaitHeal(String container) throws InterruptedException {
        String startedAt = inspect("{{.State.StartedAt}}", container);
        long killed = System.nanoTime();
        engine.docker("kill", container).orThrow();
        long deadline = killed + HEALED_WITHIN.toNanos();
        while (System.nanoTime() < deadline) {
            String now = engine.docker("inspect", "--format", "{{.State.Status}} {{.State.StartedAt}}", container)
                    .output().strip();
            if (now.startsWith("running ") && !now.equals("running " + startedAt)) {
                return Duration.ofNanos(System.nanoTime() - killed);
            }
            Thread.sleep(100);
        }
        throw new AssertionError(container + " was not running again within " + HEALED_WITHIN.toSeconds() + " s of its"
                + " kill: " + state(container));
    }

    private List<Reconcile> driftChecks() {
        return history.history(HistoryQuery.latest(100)).stream().filter(r -> r.kind() == Reconcile.Kind.DRIFT_CHECK)
                .toList();
    }

    /** The drift check that healed, once recorded (the check publishes after the heal's health checks). */
    private Reconcile awaitHealRecorded() throws InterruptedException {
        long deadline = System.nanoTime() + HEALED_WITHIN.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<Reconcile> heal = driftChecks().stream()
                    .filter(r -> r.result() == Reconcile.Result.DRIFT_HEALED).findFirst();
            if (heal.isPresent()) {
                return heal.get();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no heal recorded within " + HEALED_WITHIN.toSeconds() + " s: " + driftChecks());
    }

    private static boolean followingEvents() {
        return ProcessHandle.current().descendants()
                .anyMatch(p -> p.info().commandLine().orElse("").contains("docker events"));
    }

    @Test
    void aKilledContainerIsHealedWithinSecondsThoughTheDriftIntervalIsAnHour() throws Exception {
        Agent agent = agent();
        try (AgentFixture.Loop loop = started(agent)) {
            assertThat(followingEvents()).as("a docker events process of the agent").isTrue();

            Duration healed = killAndAwaitHeal("app_web_1");

            assertThat(healed).isLessThan(HEALED_WITHIN);
            System.out.println("healed " + healed.toMillis() + " ms after the kill");
            Reconcile heal = awaitHealRecorded();
            assertThat(heal.trigger()).isEqualTo("engine event");
            assertThat(heal.services()).singleElement().satisfies(o -> assertThat(o.service()).isEqualTo("app"));
            assertThat(events).anySatisfy(e -> assertThat(e.kind()).isEqualTo(Event.Kind.DRIFT_HEALED));
            // the kill's own events (kill, die) may each have asked for a check; the heal's start asks for none
            assertThat(loop.count("drift", Duration.ofSeconds(8))).as("checks from the kill on").isLessThanOrEqualTo(3);
            assertThat(driftChecks()).as("one check found drift: the others found the host in sync").hasSize(1);
            assertThat(state("app_db_1")).isEqualTo("running");
        }
        assertThat(followingEvents()).as("the stream ends with the agent").isFalse();
    }

    @Test
    void containersTheAgentRecreatesItselfEndInOneQuietCheck() throws Exception {
        Agent agent = agent();
        try (AgentFixture.Loop loop = started(agent)) {
            String web = inspect("{{.Id}}", "app_web_1");
            int checksBefore = driftChecks().size();
            stacks.writeApp(repo, host, stack, "version 2");
            repo.commit("web.conf: version 2");

            agent.requestReconcile("webhook");
            assertThat(loop.await("fetch", 60)).isTrue();

            assertThat(inspect("{{.Id}}", "app_web_1")).as("recreated by the apply").isNotEqualTo(web);
            // the old container's stop, kill, die and destroy fold into checks that find the host in sync
            int checks = loop.count("drift", Duration.ofSeconds(8));
            assertThat(checks).isBetween(1, 2);
            assertThat(driftChecks()).as("nothing recorded: no drift found").hasSize(checksBefore);
            assertThat(events).noneMatch(e -> e.kind() == Event.Kind.DRIFT_HEALED || e.kind() == Event.Kind.DRIFT_FOUND);
        }
    }

    @Test
    void theEngineIsFollowedAgainAfterItRestarted() throws Exception {
        Agent agent = agent();
        try (AgentFixture.Loop loop = started(agent)) {
            // a new dockerd on the same socket, with none of the old one's containers: the stream of the old one
            // ended, and once the new one answers, the check it asks for brings the stack back
            engine = stacks.replaceEngine();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (!engine.docker("inspect", "--format", "{{.State.Status}}", "app_web_1").output().strip()
                    .equals("running")) {
                assertThat(System.nanoTime()).as("the stack back on the new engine within 90 s").isLessThan(deadline);
                Thread.sleep(200);
            }

            Duration healed = killAndAwaitHeal("app_web_1");

            assertThat(healed).as("the new engine's events are followed").isLessThan(HEALED_WITHIN);
        }
    }
}
