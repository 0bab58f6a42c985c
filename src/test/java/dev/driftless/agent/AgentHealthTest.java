package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.driftless.engine.PlanPrinter;
import dev.driftless.health.HealthChecks;
import dev.driftless.notify.Event;
import dev.driftless.report.HealthState;
import dev.driftless.report.SyncState;
import dev.driftless.store.HistoryQuery;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.store.Reconcile;
import dev.driftless.store.ServiceOutcome;
import dev.driftless.testing.Cli;
import dev.driftless.testing.TestClock;
import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's side of health checks, on a local --root host whose "app" is an HTTP server of the test that
 * answers 200 while the config file the repository writes says "good", and 503 otherwise (or while the test takes it
 * down). Time is a test clock that the health checks move instead of sleeping between samples.
 */
class AgentHealthTest {

    @TempDir
    Path tmp;

    Path root;
    TestRepo repo;
    HistoryStore history;
    App app;
    final TestClock clock = new TestClock(Instant.parse("2026-12-01T08:00:00Z"));
    final AgentMetrics metrics = new AgentMetrics();
    final List<Event> events = new CopyOnWriteArrayList<>();

    /**
     * A service as the app reads it: answers 200 while its config (under the host's root) holds "good", 503 when
     * it holds anything else or is missing, and 503 whatever it holds while {@link #down} is set.
     */
    static final class App implements AutoCloseable {
        final AtomicBoolean down = new AtomicBoolean();
        private final HttpServer server;

        App(Path config) throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", exchange -> {
                String text;
                try {
                    text = Files.readString(config);
                } catch (NoSuchFileException e) {
                    text = "";
                }
                boolean ok = !down.get() && text.contains("good");
                byte[] body = (ok ? "ok\n" : "config says: " + text.strip() + "\n").getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(ok ? 200 : 503, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/healthz";
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        root = tmp.resolve("root");
        app = new App(root.resolve("etc/app/app.conf"));
        repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/notes/service.yaml", """
                hosts: [box]
                files:
                  - path: /etc/notes.txt
                    content: "no health checks here\\n"
                """);
        history = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(tmp.resolve("state")), "test-agent");
    }

    @AfterEach
    void tearDown() {
        history.close();
        app.close();
    }

    /** Commits service app with this config, its health checked by an HTTP GET of the app (5 s to pass). */
    private String commitApp(String config, String onFailure, String message) {
        repo.write("services/app/service.yaml", """
                hosts: [box]
                files:
                  - path: /etc/app/app.conf
                    content: "%s\\n"
                health:
                  - http: %s
                    timeout: 5s
                onFailure: %s
                """.formatted(config, app.url(), onFailure));
        return repo.commit(message);
    }

    private Agent agent() throws Exception {
        HealthChecks checks = new HealthChecks(clock, clock::advance, SSLContext.getDefault());
        return new Agent(AgentFixture.settings("file://" + repo.dir(), tmp), history, metrics, events::add, clock,
                checks);
    }

    private List<Reconcile> records() {
        return history.history(HistoryQuery.latest(100));
    }

    private long appliesOf(String commit) {
        return records().stream().filter(r -> r.kind() == Reconcile.Kind.APPLY && commit.equals(r.commit())).count();
    }

    private static ServiceOutcome app(Reconcile reconcile) {
        return reconcile.services().stream().filter(o -> "app".equals(o.service())).findFirst().orElseThrow();
    }

    private static AgentStatus.ServiceStatus status(Agent agent, String service) {
        return agent.status().hosts().stream().filter(h -> h.host().equals("box")).findFirst().orElseThrow()
                .services().stream().filter(s -> s.service().equals(service)).findFirst().orElseThrow();
    }

    private String config() throws IOException {
        return Files.readString(root.resolve("etc/app/app.conf"));
    }

    private List<Event> events(Event.Kind kind) {
        return events.stream().filter(e -> e.kind() == kind).toList();
    }

    @Test
    void aCommitThatFailsItsHealthCheckIsRolledBackRememberedAsFailedAndOnlyANewerCommitIsApplied() throws Exception {
        String healthy = commitApp("version 1 good", "rollback", "app 1");
        Agent agent = agent();
        agent.reconcileOnce("start");
        assertThat(app(records().get(0)).health()).isEqualTo(HealthState.HEALTHY);
        assertThat(status(agent, "app").health()).isEqualTo(HealthState.HEALTHY);

        String broken = commitApp("version 2 bad", "rollback", "app 2");
        agent.reconcileOnce("webhook");

        assertThat(config()).as("rolled back to the healthy commit").isEqualTo("version 1 good\n");
        Reconcile failed = records().get(0);
        assertThat(failed.commit()).isEqualTo(broken);
        assertThat(failed.result()).isEqualTo(Reconcile.Result.FAILED);
        ServiceOutcome outcome = app(failed);
        assertThat(outcome.status()).isEqualTo(ServiceOutcome.Status.FAILED);
        assertThat(outcome.health()).as("what the broken commit's checks found").isEqualTo(HealthState.DEGRADED);
        assertThat(outcome.error()).contains("health check http " + app.url() + " failed: HTTP 503")
                .contains("rolled back to " + PlanPrinter.shortRevision(healthy))
                .contains("~ /etc/app/app.conf");
        assertThat(events(Event.Kind.FAILED)).singleElement().satisfies(e -> {
            assertThat(e.commit()).isEqualTo(broken);
            assertThat(e.host() + "/" + e.service()).isEqualTo("box/app");
            assertThat(e.summary()).contains("health check http " + app.url() + " failed: HTTP 503",
                    "rolled back to " + PlanPrinter.shortRevision(healthy), "~ /etc/app/app.conf");
        });
        assertThat(events(Event.Kind.UNHEALTHY)).as("healthy again after the rollback: nothing ongoing").isEmpty();
        AgentStatus afterRollback = agent.status();
        assertThat(afterRollback.failedCommit()).contains(broken);
        assertThat(afterRollback.hosts()).singleElement().satisfies(h ->
                assertThat(h.appliedCommit()).as("the target stays the healthy commit").contains(healthy));
        assertThat(status(agent, "app").health()).isEqualTo(HealthState.HEALTHY);

        agent.reconcileOnce("interval");
        agent.checkDriftOnce();
        agent.reconcileOnce("interval");
        agent.checkDriftOnce();

        assertThat(appliesOf(broken)).as("the failed commit is not applied again").isEqualTo(1);
        assertThat(config()).as("nor healed forward to").isEqualTo("version 1 good\n");
        assertThat(records().get(0).commit()).isEqualTo(broken);
        assertThat(agent.status().hosts().get(0).appliedCommit()).contains(healthy);

        Agent restarted = agent();
        restarted.reconcileOnce("start");
        assertThat(appliesOf(broken)).as("not after a restart either").isEqualTo(1);

        String fixed = commitApp("version 3 good", "rollback", "app 3");
        restarted.reconcileOnce("webhook");

        assertThat(config()).isEqualTo("version 3 good\n");
        Reconcile applied = records().get(0);
        assertThat(applied.commit()).isEqualTo(fixed);
        assertThat(applied.result()).isEqualTo(Reconcile.Result.SUCCEEDED);
        assertThat(app(applied).health()).isEqualTo(HealthState.HEALTHY);
        assertThat(restarted.status().hosts().get(0).appliedCommit()).contains(fixed);
        assertThat(restarted.status().failedCommit()).isEmpty();
    }

    @Test
    void aDriftCheckWhoseSampleFailsMarksTheServiceDegradedOnceWithoutApplyingAndSaysWhenItPassesAgain()
            throws Exception {
        String commit = commitApp("version 1 good", "rollback", "app 1");
        Agent agent = agent();
        agent.reconcileOnce("start");
        agent.checkDriftOnce();
        int rows = records().size();
        assertThat(status(agent, "app").health()).isEqualTo(HealthState.HEALTHY);
        assertThat(status(agent, "notes").health()).as("no checks").isEqualTo(HealthState.UNKNOWN);
        Path state = root.resolve("var/lib/driftless/state/box.json");
        String stateBefore = Files.readString(state);

        app.down.set(true);
        agent.checkDriftOnce();

        assertThat(status(agent, "app").health()).isEqualTo(HealthState.DEGRADED);
        assertThat(status(agent, "app").sync()).as("its files are as committed").isEqualTo(SyncState.IN_SYNC);
        assertThat(Files.readString(state)).as("nothing applied").isEqualTo(stateBefore);
        Reconcile unhealthy = records().get(0);
        assertThat(records()).hasSize(rows + 1);
        assertThat(unhealthy.kind()).isEqualTo(Reconcile.Kind.DRIFT_CHECK);
        assertThat(unhealthy.result()).isEqualTo(Reconcile.Result.UNHEALTHY);
        assertThat(unhealthy.services()).singleElement().satisfies(o -> {
            assertThat(o.service()).isEqualTo("app");
            assertThat(o.status()).isEqualTo(ServiceOutcome.Status.UNCHANGED);
            assertThat(o.health()).isEqualTo(HealthState.DEGRADED);
            assertThat(o.error()).isEqualTo("health check http " + app.url() + " failed: HTTP 503");
        });
        assertThat(events(Event.Kind.UNHEALTHY)).singleElement().satisfies(e -> {
            assertThat(e.host() + "/" + e.service()).isEqualTo("box/app");
            assertThat(e.commit()).isEqualTo(commit);
            assertThat(e.summary()).contains("HTTP 503");
        });
        assertThat(metrics.scrape())
                .contains("driftless_service_health{host=\"box\",service=\"app\",state=\"degraded\"} 1.0")
                .contains("driftless_service_health{host=\"box\",service=\"app\",state=\"healthy\"} 0.0")
                .contains("driftless_service_health{host=\"box\",service=\"notes\",state=\"unknown\"} 1.0");
        Cli.Result json = Cli.run("history", "--state-dir", tmp.resolve("state").toString(), "--limit", "1",
                "--output", "json");
        assertThat(json.out()).contains("\"service\":\"app\",\"status\":\"unchanged\",\"health\":\"degraded\"");
        assertThat(Cli.run("history", "--state-dir", tmp.resolve("state").toString(), "--limit", "1").out())
                .contains("box/app: unchanged, degraded: health check http " + app.url() + " failed: HTTP 503");

        agent.checkDriftOnce();
        assertThat(records()).as("still degraded: no new row").hasSize(rows + 1);
        assertThat(events(Event.Kind.UNHEALTHY)).as("nor a new event").hasSize(1);

        app.down.set(false);
        agent.checkDriftOnce();

        assertThat(status(agent, "app").health()).isEqualTo(HealthState.HEALTHY);
        assertThat(records().get(0).result()).isEqualTo(Reconcile.Result.HEALTHY);
        assertThat(app(records().get(0)).health()).isEqualTo(HealthState.HEALTHY);
        assertThat(events(Event.Kind.HEALTHY)).singleElement()
                .satisfies(e -> assertThat(e.summary()).contains("pass again", app.url()));
        assertThat(metrics.scrape())
                .contains("driftless_service_health{host=\"box\",service=\"app\",state=\"healthy\"} 1.0");
        assertThat(appliesOf(commit)).as("a drift check never applied").isEqualTo(1);
    }

    @Test
    void aRestartedAgentKnowsADegradedServiceAndDoesNotReportItAgain() throws Exception {
        commitApp("version 1 good", "rollback", "app 1");
        agent().reconcileOnce("start");
        app.down.set(true);
        Agent first = agent();
        first.checkDriftOnce();
        int rows = records().size();

        Agent restarted = agent();
        assertThat(status(restarted, "app").health()).isEqualTo(HealthState.DEGRADED);
        restarted.checkDriftOnce();

        assertThat(records()).hasSize(rows);
        assertThat(events(Event.Kind.UNHEALTHY)).hasSize(1);
    }

    @Test
    void aServiceThatSaysKeepStaysAtTheFailedCommitAndTheDriftCheckDoesNotUndoIt() throws Exception {
        commitApp("version 1 good", "keep", "app 1");
        Agent agent = agent();
        agent.reconcileOnce("start");

        String broken = commitApp("version 2 bad", "keep", "app 2");
        agent.reconcileOnce("webhook");

        assertThat(config()).as("kept, not rolled back").isEqualTo("version 2 bad\n");
        assertThat(records().get(0).result()).isEqualTo(Reconcile.Result.FAILED);
        assertThat(app(records().get(0)).error()).contains("HTTP 503").doesNotContain("rolled back");
        assertThat(agent.status().failedCommit()).contains(broken);
        assertThat(agent.status().hosts().get(0).appliedCommit()).as("the host runs the kept commit").contains(broken);
        assertThat(events(Event.Kind.UNHEALTHY)).singleElement()
                .satisfies(e -> assertThat(e.commit()).isEqualTo(broken));

        agent.checkDriftOnce();
        agent.reconcileOnce("interval");

        assertThat(config()).as("the drift check does not take it back").isEqualTo("version 2 bad\n");
        assertThat(appliesOf(broken)).isEqualTo(1);
        assertThat(status(agent, "app").health()).isEqualTo(HealthState.DEGRADED);
        assertThat(events(Event.Kind.UNHEALTHY)).as("once per transition").hasSize(1);
    }
}
