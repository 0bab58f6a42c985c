package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.store.HistoryQuery;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.store.Reconcile;
import dev.driftless.testing.Processes;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code driftless agent} as a process: SIGTERM in the middle of an apply lets that apply finish, then exits; each
 * event is one log line with its time, or one JSON object with --log-format json.
 */
class AgentProcessTest {

    @TempDir
    Path tmp;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void sigtermFinishesTheApplyUnderWayAndRecordsIt() throws Exception {
        String commit = applyInterruptedBySigterm();
        String log = Files.readString(tmp.resolve("agent.log"));
        assertThat(log).contains("driftless agent: stopped");
        assertThat(root().resolve("handler-finished")).hasContent("finished");
        assertThat(root().resolve("etc/other.conf")).hasContent("other");
        assertThat(Files.readString(root().resolve("var/lib/driftless/state/box.json")))
                .contains(commit, "\"complete\" : true");
        try (JdbcHistoryStore history = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(tmp.resolve("state")))) {
            assertThat(history.history(HistoryQuery.latest(5))).singleElement()
                    .satisfies(r -> assertThat(r.result()).isEqualTo(Reconcile.Result.SUCCEEDED));
        }
    }

    @Test
    void eachEventIsOneLogLineWithItsTime() throws Exception {
        String commit = applyInterruptedBySigterm();
        List<String> lines = Files.readAllLines(tmp.resolve("agent.log"));
        assertThat(lines).anySatisfy(line -> assertThat(line)
                .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO Agent: applying commit "
                        + commit + " on box"));
        assertThat(lines).anySatisfy(line -> assertThat(line)
                .matches("\\S+Z INFO Agent: applied commit " + commit.substring(0, 12) + " on box: 2 changed"));
        assertThat(lines).anySatisfy(line -> assertThat(line)
                .matches("\\S+Z INFO Agent: applied box/web at " + commit.substring(0, 12) + ": .*"));
    }

    @Test
    void withLogFormatJsonEachLineIsAJsonObjectForLogShippers() throws Exception {
        String commit = applyInterruptedBySigterm("--log-format", "json");
        List<JsonNode> events = new ArrayList<>();
        for (String line : Files.readAllLines(tmp.resolve("agent.log"))) {
            if (line.startsWith("{")) {
                events.add(JSON.readTree(line));
            }
        }
        assertThat(events).anySatisfy(event -> {
            assertThat(event.get("level").asText()).isEqualTo("INFO");
            assertThat(event.get("timestamp").asLong()).isPositive();
            assertThat(event.get("formattedMessage").asText())
                    .isEqualTo("applied commit " + commit.substring(0, 12) + " on box: 2 changed");
        });
    }

    private Path root() {
        return tmp.resolve("root");
    }

    /** Starts an agent whose first apply is held in a handler, sends SIGTERM there, lets it finish; its commit. */
    private String applyInterruptedBySigterm(String... extra) throws Exception {
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
        List<String> args = new ArrayList<>(List.of("agent", "--repo", "file://" + repo.dir(),
                "--state-dir", state.toString(), "--root", root.toString(), "--listen", "127.0.0.1:0",
                "--interval", "1h", "--drift-interval", "1h"));
        args.addAll(List.of(extra));
        Process agent = Processes.start(Processes.driftless(tmp, args.toArray(String[]::new)).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("agent.log").toFile()));
        try {
            gate.awaitRunning(agent); // the first apply is inside its handler
            agent.destroy(); // SIGTERM
            gate.release();
            assertThat(agent.waitFor(60, TimeUnit.SECONDS)).as(Files.readString(tmp.resolve("agent.log"))).isTrue();
        } finally {
            agent.destroyForcibly();
        }
        return commit;
    }
}
