package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.render.RenderLimits;
import dev.driftless.store.HistoryQuery;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.store.Reconcile;
import dev.driftless.testing.Processes;
import dev.driftless.testing.TestRepo;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The commits an adversarial review used to stop the agent for good: each now fails that commit with a
 * message naming the file, and the loop goes on to apply the next commit.
 */
class AgentHostileCommitsTest {

    @TempDir
    Path tmp;

    private static final String INVENTORY = "hosts:\n  box:\n    address: local\n";

    static Stream<Arguments> hostileCommits() {
        StringBuilder bomb = new StringBuilder(INVENTORY + "vars:\n  a0: [x]\n");
        for (int i = 1; i <= 24; i++) {
            bomb.append("  a").append(i).append(": &a").append(i).append(" [*a").append(i - 1).append(", *a")
                    .append(i - 1).append("]\n");
        }
        String aliasBomb = bomb.toString().replace("a0: [x]", "a0: &a0 [x]");
        return Stream.of(
                Arguments.of("20,000 nested [ in driftless.yaml",
                        INVENTORY + "vars:\n  deep: " + "[".repeat(20_000) + "]".repeat(20_000) + "\n",
                        "{{ host.name }}\n", "driftless.yaml:"),
                Arguments.of("an alias bomb used in a template", aliasBomb, "{{ a24 }}\n", "driftless.yaml:"),
                Arguments.of("a range of two billion", INVENTORY,
                        "{% for i in range(0, 2000000000) %}{% endfor %}done\n", "services/web/web.conf.peb"),
                Arguments.of("nested ranges with no output", INVENTORY,
                        "{% for i in range(1, 100000) %}{% for j in range(1, 100000) %}{% endfor %}{% endfor %}\n",
                        "services/web/web.conf.peb"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileCommits")
    @Timeout(value = 5, unit = TimeUnit.MINUTES) // a guard against a hang, not a measure of speed
    void aHostileCommitFailsWithWhereAndTheNextCommitIsApplied(String what, String inventory, String template,
            String where) throws Exception {
        TestRepo repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", INVENTORY);
        repo.write("services/web/service.yaml", "hosts: [box]\nfiles:\n  - path: /etc/web.conf\n"
                + "    template: web.conf.peb\n");
        repo.write("services/web/web.conf.peb", "v1\n");
        repo.commit("v1");
        Path root = tmp.resolve("root");
        AgentSettings settings = AgentFixture.settings("file://" + repo.dir(), tmp, root, tmp.resolve("state"),
                new RenderLimits(Duration.ofSeconds(2), 1024 * 1024, () -> false));
        try (HistoryStore history = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(tmp.resolve("state")), "test-agent")) {
            Agent agent = new Agent(settings, history, new AgentMetrics(), e -> { }, Clock.systemUTC());
            try (AgentFixture.Loop loop = new AgentFixture.Loop(agent)) {
                assertThat(loop.next()).isEqualTo("fetch");
                assertThat(root.resolve("etc/web.conf")).hasContent("v1");

                repo.write("driftless.yaml", inventory);
                repo.write("services/web/web.conf.peb", template);
                String hostile = repo.commit(what);
                agent.requestReconcile("webhook");
                assertThat(loop.next(120)).isEqualTo("fetch");
                assertThat(history.history(HistoryQuery.latest(10))).first().satisfies(r -> {
                    assertThat(r.commit()).isEqualTo(hostile);
                    assertThat(r.result()).isEqualTo(Reconcile.Result.FAILED);
                    assertThat(r.error()).contains(where);
                });
                assertThat(root.resolve("etc/web.conf")).as("the host keeps what it had").hasContent("v1");

                repo.write("driftless.yaml", INVENTORY);
                repo.write("services/web/web.conf.peb", "v3\n");
                String fixed = repo.commit("fixed");
                agent.requestReconcile("webhook");
                assertThat(loop.next()).isEqualTo("fetch");
                assertThat(root.resolve("etc/web.conf")).hasContent("v3");
                assertThat(agent.status().appliedCommit()).contains(fixed);
            }
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a guard against a hang, not a measure of speed
    void sigtermStopsARenderingThatWouldRunForHoursAndTheCommitIsTriedAgainAfterTheRestart() throws Exception {
        TestRepo repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", INVENTORY);
        repo.write("services/web/service.yaml", "hosts: [box]\nfiles:\n  - path: /etc/web.conf\n"
                + "    template: web.conf.peb\n");
        repo.write("services/web/web.conf.peb",
                "{% for i in range(1, 100000) %}{% for j in range(1, 100000) %}{% endfor %}{% endfor %}\n");
        String commit = repo.commit("loops for hours");
        Path state = tmp.resolve("state");
        ProcessBuilder builder = Processes.driftless(tmp, "agent", "--repo", "file://" + repo.dir(), "--state-dir",
                state.toString(), "--root", tmp.resolve("root").toString(), "--listen", "127.0.0.1:0",
                "--interval", "1h", "--drift-interval", "1h", "--render-timeout", "6h", "--agent-id", "test-agent")
                .redirectErrorStream(true);
        builder.environment().put("DRIFTLESS_LOG_LEVEL", "INFO");
        Process agent = Processes.start(builder);
        List<String> log = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(agent.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null && !line.contains("applying commit " + commit)) {
                log.add(line);
            }
            assertThat(line).as(String.join("\n", log)).isNotNull();
            agent.toHandle().destroy(); // SIGTERM while the template renders (Process.destroy would close our pipe)
            while ((line = lines.readLine()) != null) {
                log.add(line);
            }
            assertThat(agent.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            agent.destroyForcibly();
        }
        assertThat(String.join("\n", log)).contains("stopped while rendering commit " + commit,
                "driftless agent: stopped");
        try (HistoryStore history = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(state), "test-agent")) {
            assertThat(history.recall("failures").orElse("{}")).as("not marked failed: a restart tries it again")
                    .doesNotContain(commit);
            assertThat(history.recall("attempt")).as("and not taken for a commit the process died applying")
                    .hasValue("null");
        }
    }

    @Test
    void aRepositoryCannotManageTheAgentsOwnFiles() throws Exception {
        TestRepo repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", INVENTORY);
        // the one host's root is tmp itself, so /state/history.db lands on the agent's own database
        repo.write("services/web/service.yaml", "hosts: [box]\nfiles:\n  - path: /state/history.db\n"
                + "    content: \"gone\\n\"\n");
        String commit = repo.commit("overwrite the agent's history");
        Path state = tmp.resolve("state");
        AgentSettings settings = AgentFixture.settings("file://" + repo.dir(), tmp, tmp, state, RenderLimits.DEFAULT);
        try (HistoryStore history = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(state), "test-agent")) {
            Agent agent = new Agent(settings, history, new AgentMetrics(), e -> { }, Clock.systemUTC());
            agent.reconcileOnce("start");
            assertThat(history.history(HistoryQuery.latest(10))).singleElement().satisfies(r -> {
                assertThat(r.commit()).isEqualTo(commit);
                assertThat(r.result()).isEqualTo(Reconcile.Result.FAILED);
                assertThat(r.error()).contains("services/web/service.yaml:3");
            });
        }
        assertThat(Files.readString(state.resolve("history.db"), StandardCharsets.ISO_8859_1)).doesNotStartWith("gone");
    }
}
