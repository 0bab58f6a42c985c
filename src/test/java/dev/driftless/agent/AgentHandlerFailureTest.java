package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.driftless.notify.Event;
import dev.driftless.report.SyncState;
import dev.driftless.store.HistoryQuery;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.store.Reconcile;
import dev.driftless.store.ServiceOutcome;
import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A handler that fails, seen from the agent: only its own service fails, and history, status, the log and the
 * notification name the host, the service, the handler, its exit code and the end of its output, with the
 * repository's secret values masked.
 */
class AgentHandlerFailureTest {

    static final String TOKEN = "agent-handler-token-4b7d";

    @TempDir
    Path tmp;

    Path root;
    TestRepo repo;
    HistoryStore history;
    String recipient;
    Path key;
    final List<Event> events = new CopyOnWriteArrayList<>();
    final ListAppender<ILoggingEvent> log = new ListAppender<>();
    final Logger agentLogger = (Logger) LoggerFactory.getLogger(Agent.class);

    @BeforeEach
    void setUp() {
        root = tmp.resolve("root");
        key = tmp.resolve("keys.txt");
        Cli.Result keygen = Cli.run("secrets", "keygen", "-o", key.toString());
        recipient = keygen.err().lines().filter(l -> l.startsWith("Public key: ")).findFirst().orElseThrow()
                .substring("Public key: ".length());
        repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        // db (no handler) and cache (a handler that succeeds) are applied first; web comes with addWeb()
        repo.write("services/db/service.yaml", """
                hosts: [box]
                files:
                  - path: /etc/db.conf
                    content: "shared_buffers 1GB\\n"
                """);
        repo.write("services/cache/service.yaml", """
                hosts: [box]
                files:
                  - path: /etc/cache.conf
                    content: "size 1G\\n"
                    onChange: [flush]
                handlers:
                  flush: echo cache flushed
                """);
        repo.commit("db and cache");
        history = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(tmp.resolve("state")), "test-agent");
        log.start();
        agentLogger.addAppender(log);
    }

    /** Commits web, whose reload handler prints 25 lines, the rendered secret, a reason, and exits 3. */
    private void addWeb() {
        repo.write("services/web/app.conf.peb", "token = {{ secret('token') }}\n");
        repo.write("services/web/secrets.sops.yaml", "token: " + TOKEN + "\n");
        assertThat(Cli.run("secrets", "encrypt", "-i", "--age", recipient,
                repo.dir().resolve("services/web/secrets.sops.yaml").toString()).exitCode()).isZero();
        repo.write("services/web/service.yaml", """
                hosts: [box]
                files:
                  - path: /etc/web.conf
                    template: app.conf.peb
                    onChange: [reload]
                handlers:
                  reload: 'for i in $(seq 1 25); do echo "noise $i"; done; cat "$DRIFTLESS_ROOT/etc/web.conf"; echo "reload: bad config"; exit 3'
                """);
        repo.commit("web");
    }

    @AfterEach
    void tearDown() {
        agentLogger.detachAppender(log);
        history.close();
    }

    private Agent agent() {
        AgentSettings settings = AgentFixture.settings("file://" + repo.dir(), Optional.empty(), tmp, Optional.of(key),
                dev.driftless.source.RepoSource.GitAuth.none());
        return new Agent(settings, history, new AgentMetrics(), events::add, Clock.systemUTC());
    }

    private Map<String, ServiceOutcome> outcomes(Reconcile reconcile) {
        return reconcile.services().stream().collect(Collectors.toMap(ServiceOutcome::service, Function.identity()));
    }

    private Map<String, SyncState> states(Agent agent) {
        return agent.status().hosts().stream().filter(h -> h.host().equals("box")).findFirst().orElseThrow()
                .services().stream().collect(Collectors.toMap(AgentStatus.ServiceStatus::service,
                        AgentStatus.ServiceStatus::sync));
    }

    private String logged() {
        return log.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage())
                .collect(Collectors.joining("\n"));
    }

    @Test
    void aFailingHandlerFailsOnlyItsServiceAndHistoryNotificationAndLogNameItsExitAndOutputMasked() {
        Agent agent = agent();
        agent.reconcileOnce("start");
        addWeb();
        events.clear();
        log.list.clear();

        agent.reconcileOnce("fetch");

        Reconcile reconcile = history.history(HistoryQuery.latest(10)).get(0);
        assertThat(reconcile.result()).isEqualTo(Reconcile.Result.FAILED);
        Map<String, ServiceOutcome> byService = outcomes(reconcile);
        assertThat(byService.get("web").status()).isEqualTo(ServiceOutcome.Status.FAILED);
        assertThat(byService.get("db").status()).as("no handler, no change").isEqualTo(ServiceOutcome.Status.UNCHANGED);
        assertThat(byService.get("cache").status()).as("its handler did not run, no change")
                .isEqualTo(ServiceOutcome.Status.UNCHANGED);
        assertThat(byService.get("web").error()).isEqualTo("handler reload failed (exit 3)");
        assertThat(byService.get("db").error()).isNull();
        assertThat(byService.get("web").handlers()).singleElement().satisfies(reload -> {
            assertThat(reload.handler()).isEqualTo("reload");
            assertThat(reload.exitCode()).isEqualTo(3);
            assertThat(reload.output()).endsWith("noise 25\ntoken = ***\nreload: bad config\n");
        });
        assertThat(reconcile.error()).isEqualTo("box/web: handler reload failed (exit 3)");
        assertThat(states(agent)).containsEntry("web", SyncState.FAILED).containsEntry("db", SyncState.IN_SYNC)
                .containsEntry("cache", SyncState.IN_SYNC);

        assertThat(events).filteredOn(e -> e.kind() == Event.Kind.FAILED).singleElement().satisfies(failed -> {
            assertThat(failed.host()).isEqualTo("box");
            assertThat(failed.service()).isEqualTo("web");
            assertThat(failed.summary()).startsWith("handler reload failed (exit 3)\n")
                    .contains("noise 25\ntoken = ***\nreload: bad config").doesNotContain("noise 5\n");
        });

        assertThat(logged()).contains("failed box/web at ", ": handler reload failed (exit 3)\n",
                "    token = ***\n    reload: bad config");
        String everything = history.history(HistoryQuery.latest(10)) + events.toString() + logged();
        assertThat(everything).doesNotContain(TOKEN);
    }

    @Test
    void historyShowsEachHandlerWithHowItEndedAndTheEndOfItsOutput() {
        addWeb();
        agent().reconcileOnce("start");

        Cli.Result shown = Cli.run("history", "--state-dir", tmp.resolve("state").toString());

        assertThat(shown.exitCode()).as(shown.toString()).isZero();
        assertThat(shown.out()).as(shown.toString())
                .contains("  box/web: failed: handler reload failed (exit 3)\n    + /etc/web.conf  # pending\n"
                        + "    handler reload: failed (exit 3)\n        … (earlier output not shown)\n        noise 8\n")
                .contains("        noise 25\n        token = ***\n        reload: bad config\n")
                .contains("  box/cache: applied\n    + /etc/cache.conf  # pending\n    handler flush: ok\n"
                        + "        cache flushed\n")
                .doesNotContain(TOKEN, "noise 7\n");
        Cli.Result json = Cli.run("history", "--state-dir", tmp.resolve("state").toString(), "--output", "json");
        assertThat(json.out()).contains("\"exitCode\":3", "\"result\":\"failed (exit 3)\"")
                .doesNotContain(TOKEN);
    }

    @Test
    void theOutputOfEveryHandlerIsKeptInHistoryBoundedAndMasked() {
        addWeb();
        agent().reconcileOnce("start");

        Reconcile reconcile = history.history(HistoryQuery.latest(10)).get(0);
        Map<String, ServiceOutcome> byService = outcomes(reconcile);
        assertThat(byService.get("db").status()).as("no handler, applied").isEqualTo(ServiceOutcome.Status.APPLIED);
        assertThat(byService.get("cache").status()).as("its handler succeeded").isEqualTo(ServiceOutcome.Status.APPLIED);
        assertThat(events).filteredOn(e -> e.kind() == Event.Kind.APPLIED).extracting(Event::service)
                .containsExactlyInAnyOrder("db", "cache");
        assertThat(byService.get("cache").handlers()).singleElement().satisfies(flush -> {
            assertThat(flush.handler()).isEqualTo("flush");
            assertThat(flush.succeeded()).isTrue();
            assertThat(flush.exitCode()).isZero();
            assertThat(flush.result()).isEqualTo("ok");
            assertThat(flush.output()).isEqualTo("cache flushed\n");
        });
        assertThat(byService.get("web").handlers()).singleElement().satisfies(reload -> {
            assertThat(reload.handler()).isEqualTo("reload");
            assertThat(reload.succeeded()).isFalse();
            assertThat(reload.exitCode()).isEqualTo(3);
            assertThat(reload.result()).isEqualTo("failed (exit 3)");
            assertThat(reload.output()).startsWith("… (earlier output not shown)\nnoise 8\n")
                    .endsWith("noise 25\ntoken = ***\nreload: bad config\n");
        });
        assertThat(byService.get("db").handlers()).isEmpty();
    }

    @Test
    void aFileThatCannotBeWrittenFailsItsServiceAndLeavesWhatTheApplyDidNotReachPending() throws Exception {
        repo.write("services/motd/service.yaml", """
                hosts: [box]
                files:
                  - path: /etc/motd
                    content: "hello\\n"
                """);
        repo.write("services/db/service.yaml", """
                hosts: [box]
                dependsOn: [cache, motd]
                files:
                  - path: /etc/db.conf
                    content: "shared_buffers 1GB\\n"
                """);
        repo.write("services/web/service.yaml", """
                hosts: [box]
                dependsOn: [db]
                files:
                  - path: /etc/web.conf
                    content: "port 80\\n"
                """);
        repo.commit("cache and motd, then db, then web");
        Files.createDirectories(root.resolve("etc/db.conf"));
        Agent agent = agent();
        agent.reconcileOnce("start");

        Map<String, ServiceOutcome> byService = outcomes(history.history(HistoryQuery.latest(10)).get(0));
        assertThat(byService.get("motd").status()).isEqualTo(ServiceOutcome.Status.APPLIED);
        assertThat(byService.get("db").status()).isEqualTo(ServiceOutcome.Status.FAILED);
        assertThat(byService.get("db").error()).contains("/etc/db.conf is a directory on the host");
        assertThat(byService.get("web").status()).as("the apply stopped before its file")
                .isEqualTo(ServiceOutcome.Status.PENDING);
        assertThat(byService.get("cache").status()).as("its file is written, its handler owed: the apply stopped"
                + " before the handlers").isEqualTo(ServiceOutcome.Status.PENDING);
        assertThat(states(agent)).containsEntry("motd", SyncState.IN_SYNC).containsEntry("db", SyncState.FAILED)
                .containsEntry("web", SyncState.PENDING).containsEntry("cache", SyncState.PENDING);
        assertThat(events).filteredOn(e -> e.kind() == Event.Kind.FAILED).singleElement()
                .satisfies(e -> assertThat(e.host() + "/" + e.service()).isEqualTo("box/db"));
    }
}
