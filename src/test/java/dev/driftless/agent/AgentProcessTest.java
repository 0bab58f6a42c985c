package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.store.HistoryQuery;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.store.Reconcile;
import dev.driftless.testing.Processes;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code driftless agent} as a process: SIGTERM in the middle of an apply lets that apply finish, then exits. */
class AgentProcessTest {

    @TempDir
    Path tmp;

    @Test
    void sigtermFinishesTheApplyUnderWayAndRecordsIt() throws Exception {
        AgentFixture.Gate gate = AgentFixture.Gate.in(tmp);
        TestRepo repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/web/service.yaml", """
                hosts: [box]
                files:
                  - path: /etc/web.conf
                    content: "v1\\n"
                    onChange: [hold]
                  - path: /etc/other.conf
                    content: "other\\n"
                handlers:
                  hold: %s && echo finished > "$DRIFTLESS_ROOT/handler-finished"
                """.formatted(gate.command()));
        String commit = repo.commit("v1");
        Path root = tmp.resolve("root");
        Path state = tmp.resolve("state");
        Process agent = Processes.start(Processes.driftless(tmp, "agent", "--repo", "file://" + repo.dir(),
                "--state-dir", state.toString(), "--root", root.toString(), "--listen", "127.0.0.1:0",
                "--interval", "1h", "--drift-interval", "1h").redirectErrorStream(true)
                .redirectOutput(tmp.resolve("agent.log").toFile()));
        try {
            gate.awaitRunning(); // the first apply is inside its handler
            agent.destroy(); // SIGTERM
            gate.release();
            assertThat(agent.waitFor(60, TimeUnit.SECONDS)).as(Files.readString(tmp.resolve("agent.log"))).isTrue();
        } finally {
            agent.destroyForcibly();
        }
        String log = Files.readString(tmp.resolve("agent.log"));
        assertThat(log).contains("driftless agent: stopped");
        assertThat(root.resolve("handler-finished")).hasContent("finished");
        assertThat(root.resolve("etc/other.conf")).hasContent("other");
        assertThat(Files.readString(root.resolve("var/lib/driftless/state/box.json")))
                .contains(commit, "\"complete\" : true");
        try (JdbcHistoryStore history = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(state))) {
            assertThat(history.history(HistoryQuery.latest(5))).singleElement()
                    .satisfies(r -> assertThat(r.result()).isEqualTo(Reconcile.Result.SUCCEEDED));
        }
    }
}
