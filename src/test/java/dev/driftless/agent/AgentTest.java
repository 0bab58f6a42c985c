package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.notify.Event;
import dev.driftless.store.HistoryQuery;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.store.Reconcile;
import dev.driftless.store.ServiceOutcome;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's loop, one cycle at a time, against a real Git repository fetched over file:// and SQLite history. */
class AgentTest {

    @TempDir
    Path tmp;

    TestRepo repo;
    Path root;
    Path stateDir;
    HistoryStore history;
    final List<Event> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() {
        root = tmp.resolve("root");
        stateDir = tmp.resolve("state");
        repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/web/service.yaml", """
                hosts: [box]
                files:
                  - path: /etc/web.conf
                    content: "port 80\\n"
                """);
        repo.write("services/db/service.yaml", """
                hosts: [box]
                drift: alert
                files:
                  - path: /etc/db.conf
                    content: "shared_buffers 1GB\\n"
                """);
        repo.commit("web and db");
        history = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(stateDir), "test-agent");
    }

    @AfterEach
    void tearDown() {
        history.close();
    }

    private Agent agent() {
        return agent("file://" + repo.dir(), Optional.empty());
    }

    private Agent agent(String url, Optional<String> ref) {
        AgentSettings settings = AgentFixture.settings(url, ref, tmp, Optional.empty(),
                dev.driftless.source.RepoSource.GitAuth.none());
        return new Agent(settings, history, new AgentMetrics(), events::add, Clock.systemUTC());
    }

    private List<Reconcile> records() {
        return history.history(HistoryQuery.latest(100));
    }

    @Test
    void appliesEachNewCommitOnceAndResumesFromHistoryAfterARestart() throws Exception {
        Agent agent = agent();
        agent.reconcileOnce("start");
        assertThat(Files.readString(root.resolve("etc/web.conf"))).isEqualTo("port 80\n");
        assertThat(records()).hasSize(1);
        Reconcile first = records().get(0);
        assertThat(first.result()).isEqualTo(Reconcile.Result.SUCCEEDED);
        assertThat(first.message()).isEqualTo("web and db");
        assertThat(first.services()).extracting(ServiceOutcome::service).containsExactlyInAnyOrder("web", "db");

        agent.reconcileOnce("interval");
        assertThat(records()).as("the same commit is not applied twice").hasSize(1);
        try (var caches = Files.list(stateDir.resolve("cache"))) {
            assertThat(caches.filter(p -> p.toString().endsWith(".git")).toList()).singleElement()
                    .satisfies(cache -> assertThat(cache.resolve("shallow")).as("fetched shallow").exists());
        }

        repo.write("services/web/service.yaml", """
                hosts: [box]
                files:
                  - path: /etc/web.conf
                    content: "port 8080\\n"
                """);
        String second = repo.commit("web on 8080");
        agent.reconcileOnce("webhook");
        assertThat(Files.readString(root.resolve("etc/web.conf"))).isEqualTo("port 8080\n");
        Reconcile applied = records().get(0);
        assertThat(applied.commit()).isEqualTo(second);
        assertThat(applied.trigger()).isEqualTo("webhook");
        ServiceOutcome web = applied.services().stream().filter(s -> s.service().equals("web")).findFirst().orElseThrow();
        assertThat(web.status()).isEqualTo(ServiceOutcome.Status.APPLIED);
        assertThat(web.changes()).singleElement().satisfies(c -> {
            assertThat(c.path()).isEqualTo("/etc/web.conf");
            assertThat(c.diff()).contains("-port 80", "+port 8080");
        });
        assertThat(events).anyMatch(e -> e.kind() == Event.Kind.APPLIED && e.service().equals("web")
                && e.summary().contains("/etc/web.conf"));

        Agent restarted = agent();
        restarted.reconcileOnce("start");
        assertThat(records()).as("a restart does not re-apply what is applied").hasSize(2);
        assertThat(restarted.status().appliedCommit()).contains(second);
    }

    @Test
    void driftIsHealedForHealServicesAndOnlyReportedForAlertServices() throws Exception {
        Agent agent = agent();
        agent.reconcileOnce("start");
        Files.writeString(root.resolve("etc/web.conf"), "port 1\n");
        Files.writeString(root.resolve("etc/db.conf"), "shared_buffers 8GB\n");

        agent.checkDriftOnce();

        assertThat(Files.readString(root.resolve("etc/web.conf"))).isEqualTo("port 80\n");
        assertThat(Files.readString(root.resolve("etc/db.conf"))).isEqualTo("shared_buffers 8GB\n");
        Reconcile drift = records().get(0);
        assertThat(drift.kind()).isEqualTo(Reconcile.Kind.DRIFT_CHECK);
        assertThat(drift.services()).extracting(ServiceOutcome::service, ServiceOutcome::status)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("web", ServiceOutcome.Status.HEALED),
                        org.assertj.core.groups.Tuple.tuple("db", ServiceOutcome.Status.DRIFTED));
        assertThat(agent.status().hosts()).singleElement().satisfies(h -> assertThat(h.services())
                .anyMatch(s -> s.service().equals("db") && s.sync() == dev.driftless.report.SyncState.DRIFTED && s.driftedResources() == 1)
                .anyMatch(s -> s.service().equals("web") && s.sync() == dev.driftless.report.SyncState.IN_SYNC));
        assertThat(events).anyMatch(e -> e.kind() == Event.Kind.DRIFT_HEALED && e.service().equals("web"))
                .anyMatch(e -> e.kind() == Event.Kind.DRIFT_FOUND && e.service().equals("db"));
    }

    @Test
    void anOngoingAlertDriftIsOneHistoryRowSeenAtEveryCheck() throws Exception {
        Agent agent = agent();
        agent.reconcileOnce("start");
        Files.writeString(root.resolve("etc/db.conf"), "shared_buffers 8GB\n");

        for (int check = 0; check < 3; check++) {
            agent.checkDriftOnce();
        }

        assertThat(records()).extracting(Reconcile::kind, Reconcile::seen).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Reconcile.Kind.DRIFT_CHECK, 3),
                org.assertj.core.groups.Tuple.tuple(Reconcile.Kind.APPLY, 1));
        assertThat(records().get(0).lastSeenAt()).isAfter(records().get(0).startedAt());

        Files.writeString(root.resolve("etc/db.conf"), "shared_buffers 16GB\n");
        agent.checkDriftOnce();
        assertThat(records()).as("a different drift is a new row").extracting(Reconcile::seen).containsExactly(1, 3, 1);
    }

    @Test
    void historyKeepPrunesOlderRowsWhenTheAgentStartsButKeepsTheHostsNewestApply() throws Exception {
        java.time.Instant old = java.time.Instant.now().minus(java.time.Duration.ofDays(90));
        history.record(new Reconcile(0, Reconcile.Kind.APPLY, "poll", "0ld0", "", "", old, old,
                Reconcile.Result.SUCCEEDED, null, List.of(new ServiceOutcome("box", "web", ServiceOutcome.Status.APPLIED,
                        null, List.of()))));
        long newestOldApply = history.record(new Reconcile(0, Reconcile.Kind.APPLY, "poll", "0ld1", "", "",
                old.plusSeconds(1), old.plusSeconds(1), Reconcile.Result.SUCCEEDED, null, List.of(new ServiceOutcome(
                        "box", "web", ServiceOutcome.Status.APPLIED, null, List.of()))));
        history.record(new Reconcile(0, Reconcile.Kind.DRIFT_CHECK, "drift", "0ld1", "", "", old.plusSeconds(2),
                old.plusSeconds(2), Reconcile.Result.DRIFT_FOUND, null, List.of(new ServiceOutcome("box", "db",
                        ServiceOutcome.Status.DRIFTED, null, List.of()))));
        Agent agent = agent();
        agent.keepHistory(new dev.driftless.store.HistoryKeep.Age(java.time.Duration.ofDays(30)));

        agent.once();

        assertThat(records()).extracting(Reconcile::message).containsExactly("web and db", "");
        assertThat(records().get(1).id()).isEqualTo(newestOldApply);
    }

    @Test
    void aFailingCommitIsRecordedOnceAndTheNextCommitIsTried() throws Exception {
        Agent agent = agent();
        agent.reconcileOnce("start");
        repo.write("services/web/service.yaml", "hosts: [box]\nfiles:\n  - path: relative/path\n    content: x\n");
        String broken = repo.commit("broken");
        agent.reconcileOnce("webhook");
        agent.reconcileOnce("interval");
        assertThat(records()).hasSize(2);
        assertThat(records().get(0).result()).isEqualTo(Reconcile.Result.FAILED);
        assertThat(records().get(0).error()).contains("services/web/service.yaml", "must be an absolute");
        assertThat(agent.status().failedCommit()).contains(broken);
        assertThat(events).anyMatch(e -> e.kind() == Event.Kind.FAILED);

        repo.write("services/web/service.yaml", "hosts: [box]\nfiles:\n  - path: /etc/web.conf\n    content: \"fixed\\n\"\n");
        repo.commit("fixed");
        agent.reconcileOnce("webhook");
        assertThat(records().get(0).result()).isEqualTo(Reconcile.Result.SUCCEEDED);
        assertThat(Files.readString(root.resolve("etc/web.conf"))).isEqualTo("fixed\n");
        assertThat(agent.status().failedCommit()).isEmpty();
    }

    @Test
    void whileTheSourceIsDownTheAgentKeepsItsCommitChecksDriftAndRecovers() throws Exception {
        Agent agent = agent();
        agent.reconcileOnce("start");
        Path away = tmp.resolve("repo-away");
        Files.move(repo.dir(), away);

        agent.reconcileOnce("interval");
        AgentStatus down = agent.status();
        assertThat(down.source()).isEqualTo("unavailable");
        assertThat(down.sourceError()).get().asString().contains("repo");
        assertThat(down.appliedCommit()).isPresent();
        assertThat(events).filteredOn(e -> e.kind() == Event.Kind.SOURCE_UNAVAILABLE).hasSize(1);

        Files.writeString(root.resolve("etc/web.conf"), "hand edit\n");
        agent.checkDriftOnce();
        assertThat(Files.readString(root.resolve("etc/web.conf"))).as("healed from the cached commit")
                .isEqualTo("port 80\n");

        Files.move(away, repo.dir());
        agent.reconcileOnce("interval");
        assertThat(agent.status().source()).isEqualTo("ok");
        assertThat(events).anyMatch(e -> e.kind() == Event.Kind.RECOVERED);
    }

    @Test
    void aRepositoryThatDoesNotExistOrARefThatDoesNotExistIsReportedAndNothingIsApplied() {
        Agent missing = agent("file://" + tmp.resolve("no-such-repo"), Optional.empty());
        missing.reconcileOnce("start");
        assertThat(missing.status().source()).isEqualTo("unavailable");
        assertThat(missing.status().sourceError()).get().asString().contains("no-such-repo");
        assertThat(missing.status().appliedCommit()).isEmpty();
        assertThat(missing.ready()).isFalse();

        Agent wrongRef = agent("file://" + repo.dir(), Optional.of("no-such-branch"));
        wrongRef.reconcileOnce("start");
        // the source does not have what the agent follows: unavailable (retried with backoff), not a failed commit
        assertThat(wrongRef.status().source()).isEqualTo("unavailable");
        assertThat(wrongRef.status().sourceError()).get().asString().contains("no-such-branch", "not found");
        assertThat(root.resolve("etc")).doesNotExist();
        assertThat(records()).isEmpty();
    }

    @Test
    void aSecretChangeIsRecordedAndNotifiedWithoutItsValue() throws Exception {
        Path key = tmp.resolve("keys.txt");
        dev.driftless.testing.Cli.Result keygen = dev.driftless.testing.Cli.run("secrets", "keygen", "-o", key.toString());
        String recipient = keygen.err().lines().filter(l -> l.startsWith("Public key: ")).findFirst().orElseThrow()
                .substring("Public key: ".length());
        Path secrets = repo.dir().resolve("services/web/secrets.sops.yaml");
        repo.write("services/web/app.conf.peb", "token = {{ secret('token') }}\n");
        repo.write("services/web/service.yaml", """
                hosts: [box]
                files:
                  - path: /etc/app.conf
                    template: app.conf.peb
                """);
        AgentSettings settings = AgentFixture.settings("file://" + repo.dir(), Optional.empty(), tmp, Optional.of(key),
                dev.driftless.source.RepoSource.GitAuth.none());
        Agent agent = new Agent(settings, history, new AgentMetrics(), events::add, Clock.systemUTC());
        int round = 0;
        for (String value : List.of("first-secret-value-1", "second-secret-value-2")) {
            repo.write("services/web/secrets.sops.yaml", "token: " + value + "\n");
            assertThat(dev.driftless.testing.Cli.run("secrets", "encrypt", "-i", "--age", recipient, secrets.toString())
                    .exitCode()).isZero();
            repo.commit("rotate the token, round " + ++round);
            agent.reconcileOnce("webhook");
            assertThat(root.resolve("etc/app.conf")).hasContent("token = " + value);
        }
        Files.writeString(root.resolve("etc/app.conf"), "token = typed-by-hand-3\n");
        agent.checkDriftOnce();
        assertThat(root.resolve("etc/app.conf")).as("healed").hasContent("token = second-secret-value-2");
        assertThat(records().get(0).kind()).isEqualTo(Reconcile.Kind.DRIFT_CHECK);

        String everything = records().toString() + events.toString();
        assertThat(everything).contains("/etc/app.conf", dev.driftless.render.SecretLines.MASK)
                .doesNotContain("first-secret-value-1", "second-secret-value-2", "typed-by-hand-3");
        try (var files = Files.walk(stateDir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String bytes = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
                assertThat(bytes).as(file.toString()).doesNotContain("first-secret-value-1", "second-secret-value-2",
                        "typed-by-hand-3");
            }
        }
    }

    @Test
    void aSuspendedHostCatchesUpWhenResumedWhileTheOthersGoOn() throws Exception {
        repo.write("driftless.yaml", "hosts:\n  a:\n    address: local\n  b:\n    address: local\n");
        repo.write("services/web/service.yaml", "hosts: [a, b]\nfiles:\n  - path: /etc/web.conf\n    content: \"v1\\n\"\n");
        repo.write("services/db/service.yaml", "hosts: [a]\nfiles:\n  - path: /etc/db.conf\n    content: \"db\\n\"\n");
        repo.commit("two hosts");
        Agent agent = agent();
        agent.reconcileOnce("start");
        agent.suspend(Optional.of("b"));
        repo.write("services/web/service.yaml", "hosts: [a, b]\nfiles:\n  - path: /etc/web.conf\n    content: \"v2\\n\"\n");
        repo.commit("v2");
        agent.reconcileOnce("webhook");
        assertThat(root.resolve("a/etc/web.conf")).hasContent("v2");
        assertThat(root.resolve("b/etc/web.conf")).hasContent("v1");
        int recorded = records().size();
        agent.reconcileOnce("interval");
        assertThat(records()).as("nothing to do while b stays suspended").hasSize(recorded);

        agent.resume(Optional.of("b"));
        agent.reconcileOnce("resume");
        assertThat(root.resolve("b/etc/web.conf")).hasContent("v2");
        agent.reconcileOnce("interval");
        assertThat(records()).as("caught up: no more applies of the same commit").hasSize(recorded + 1);
    }

    @Test
    void suspendedHostsGetNoAutomaticApplyUntilResumed() throws Exception {
        Agent agent = agent();
        agent.reconcileOnce("start");
        String applied = agent.status().appliedCommit().orElseThrow();
        agent.suspend(Optional.empty());
        repo.write("services/web/service.yaml", "hosts: [box]\nfiles:\n  - path: /etc/web.conf\n    content: \"v2\\n\"\n");
        String held = repo.commit("v2");
        agent.reconcileOnce("webhook");
        assertThat(Files.readString(root.resolve("etc/web.conf"))).isEqualTo("port 80\n");
        assertThat(agent.status().suspended()).isTrue();
        assertThat(agent.status().latestCommit()).contains(held);
        assertThat(agent.status().appliedCommit()).as("Applied: is what the host has, not the commit held back")
                .contains(applied);
        assertThat(agent.status().hosts().get(0).appliedCommit()).contains(applied);
        assertThat(Files.readString(root.resolve("var/lib/driftless/state/box.json"))).contains(applied)
                .doesNotContain(held);
        assertThat(agent.status().hosts().get(0).suspended()).isTrue();
        assertThat(agent.status().hosts().get(0).services())
                .as("a suspension holding back a newer commit is pending, not in sync")
                .allMatch(s -> s.sync() == dev.driftless.report.SyncState.PENDING);

        agent.resume(Optional.empty());
        agent.reconcileOnce("resume");
        assertThat(Files.readString(root.resolve("etc/web.conf"))).isEqualTo("v2\n");
    }
}
