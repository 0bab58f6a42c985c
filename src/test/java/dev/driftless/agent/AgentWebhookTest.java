package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.store.HistoryQuery;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.testing.TestRepo;
import dev.driftless.web.AgentServer;
import dev.driftless.web.HistorySource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Webhooks drive the real loop: a push is applied at once, and a burst during a reconcile folds into one more. */
class AgentWebhookTest {

    private static final byte[] SECRET = "hook-secret".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;

    @Test
    void aBurstOfHooksDuringAReconcileLeadsToExactlyOneMore() throws Exception {
        AgentFixture.Gate gate = AgentFixture.Gate.in(tmp);
        TestRepo repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/web/service.yaml", "hosts: [box]\nfiles:\n  - path: /etc/web.conf\n    content: \"v1\\n\"\n");
        repo.commit("v1");
        Path root = tmp.resolve("root");
        Path stateDir = tmp.resolve("state");
        AgentSettings settings = AgentFixture.settings("file://" + repo.dir(), tmp);
        BlockingQueue<String> cycles = new LinkedBlockingQueue<>();
        try (HistoryStore history = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(stateDir), "test-agent")) {
            Agent agent = new Agent(settings, history, new AgentMetrics(), e -> { }, Clock.systemUTC());
            // the apply's own writes ask for a drift check of the watched files (which finds the host in sync):
            // only the fetches are counted here
            agent.onCycle(c -> {
                if (!c.equals("drift")) {
                    cycles.add(c);
                }
            });
            Thread loop = new Thread(agent::run, "agent-loop");
            try (AgentServer server = AgentServer.start("127.0.0.1:0", agent, new AgentMetrics(),
                    HistorySource.of(history), Optional.of(SECRET), Optional.empty())) {
                loop.start();
                assertThat(cycles.poll(60, TimeUnit.SECONDS)).isEqualTo("fetch");
                assertThat(Files.readString(root.resolve("etc/web.conf"))).isEqualTo("v1\n");

                // the next commit's handler holds the reconcile until the test lets it go
                repo.write("services/web/service.yaml", """
                        hosts: [box]
                        files:
                          - path: /etc/web.conf
                            content: "v2\\n"
                            onChange: [hold]
                        handlers:
                          hold: %s
                        """.formatted(gate.command()));
                repo.commit("v2");
                HttpClient http = HttpClient.newHttpClient();
                assertThat(hook(http, server.port()).statusCode()).isBetween(200, 299);
                gate.awaitRunning(); // the reconcile is inside the handler now
                for (int i = 0; i < 5; i++) {
                    assertThat(hook(http, server.port()).statusCode()).isBetween(200, 299);
                }
                gate.release();
                assertThat(cycles.poll(60, TimeUnit.SECONDS)).as("the reconcile that was held").isEqualTo("fetch");
                assertThat(cycles.poll(60, TimeUnit.SECONDS)).as("one more for the burst").isEqualTo("fetch");
                assertThat(cycles.poll(3, TimeUnit.SECONDS)).as("and no more than one").isNull();
                assertThat(Files.readString(root.resolve("etc/web.conf"))).isEqualTo("v2\n");
                assertThat(history.history(HistoryQuery.latest(10))).hasSize(2);
            } finally {
                agent.stop();
                loop.join(30_000);
            }
            assertThat(loop.isAlive()).isFalse();
        }
    }

    private static HttpResponse<String> hook(HttpClient http, int port) throws Exception {
        byte[] body = "{\"ref\":\"refs/heads/main\"}".getBytes(StandardCharsets.UTF_8);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET, "HmacSHA256"));
        String signature = "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hooks/generic"))
                .header("Content-Type", "application/json").header("X-Signature", signature)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
