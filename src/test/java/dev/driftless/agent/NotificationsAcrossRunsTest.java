package dev.driftless.agent;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code agent --once} from cron: each run is a new process with the same state folder and agent name, so what
 * was notified must come from the history database, not from memory.
 */
@Timeout(120)
class NotificationsAcrossRunsTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Map<String, String> ENV = Map.of("HOOK_SECRET", "hook-secret", "PD_KEY", "R0UT1NGKEY0123456789abcdef");

    @TempDir
    Path tmp;

    WireMockServer server;
    TestRepo repo;

    @BeforeEach
    void start() {
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        server.start();
        server.stubFor(post(urlEqualTo("/hook")).willReturn(aResponse().withStatus(204)));
        server.stubFor(post(urlEqualTo("/v2/enqueue")).willReturn(aResponse().withStatus(202)
                .withBody("{\"status\":\"success\",\"message\":\"Event processed\",\"dedup_key\":\"x\"}")));
        repo = TestRepo.init(tmp.resolve("repo"));
    }

    @AfterEach
    void stop() {
        repo.close();
        server.stop();
    }

    String driftlessYaml() {
        return "hosts:\n  box:\n    address: local\n"
                + "notifications:\n"
                + "  hook:\n    webhook: { url: \"http://127.0.0.1:" + server.port() + "/hook\", secret: { env: HOOK_SECRET } }\n";
    }

    /** One {@code agent --once}: a new agent, history and notifications on the same state folder, closed after. */
    Agent.Once runOnce() {
        AgentSettings settings = AgentFixture.settings("file://" + repo.dir(), tmp);
        try (HistoryStore history = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(tmp.resolve("state")),
                "test-agent");
             RepositoryNotifications notifications = new RepositoryNotifications("test-agent", Clock.systemUTC(), history, ENV)) {
            Agent agent = new Agent(settings, history, new AgentMetrics(), notifications, Clock.systemUTC());
            agent.onCheckout(notifications::update);
            Agent.Once once = agent.once();
            assertThat(notifications.drain(Duration.ofSeconds(30))).isTrue();
            return once;
        }
    }

    /** A service whose one file triggers a handler running {@code command}. */
    static String failingHandler(String command) {
        return """
                hosts: [box]
                files:
                  - path: /etc/web.conf
                    content: "v1\\n"
                    onChange: [reload]
                handlers:
                  reload: %s
                """.formatted(command);
    }

    List<String> kindsSent() throws Exception {
        List<String> kinds = new ArrayList<>();
        for (var request : server.findAll(postRequestedFor(urlEqualTo("/hook")))) {
            JsonNode body = JSON.readTree(request.getBodyAsString());
            kinds.add(body.get("kind").asText() + " " + body.get("host").asText() + "/" + body.get("service").asText());
        }
        return kinds;
    }

    @Test
    void twoRunsOnTheSameFailingCommitSendOneFailedAndDoNotRetryIt() throws Exception {
        Path runs = tmp.resolve("handler-runs");
        repo.write("driftless.yaml", driftlessYaml());
        repo.write("services/web/service.yaml", failingHandler("echo run >> " + runs + "; exit 3"));
        repo.commit("a handler that fails");

        Agent.Once first = runOnce();
        Agent.Once second = runOnce();

        assertThat(first.exitCode()).isEqualTo(1);
        assertThat(second.exitCode()).isEqualTo(1);
        assertThat(second.summary()).contains("is not tried again until a newer commit");
        assertThat(Files.readAllLines(runs)).as("the handler ran in the first run only").containsExactly("run");
        assertThat(kindsSent()).filteredOn(kind -> kind.startsWith("failed")).hasSize(1);
    }

    @Test
    void aPagerDutyIncidentOpenedByOneRunIsResolvedByTheNextWithTheSameDedupKey() throws Exception {
        String pager = "  pager:\n    pagerduty:\n      routing-key: { env: PD_KEY }\n      url: \"http://127.0.0.1:"
                + server.port() + "/v2/enqueue\"\n";
        repo.write("driftless.yaml", driftlessYaml() + pager);
        repo.write("services/web/service.yaml", failingHandler("exit 3"));
        repo.commit("a handler that fails");
        assertThat(runOnce().exitCode()).isEqualTo(1);
        repo.write("services/web/service.yaml", """
                hosts: [box]
                files:
                  - path: /etc/web.conf
                    content: "v2\\n"
                """);
        repo.commit("fixed");

        assertThat(runOnce().exitCode()).isZero();
        assertThat(runOnce().exitCode()).isZero();

        List<JsonNode> sent = new ArrayList<>();
        for (var request : server.findAll(postRequestedFor(urlEqualTo("/v2/enqueue")))) {
            sent.add(JSON.readTree(request.getBodyAsString()));
        }
        assertThat(sent).extracting(b -> b.get("event_action").asText()).containsExactly("trigger", "resolve");
        assertThat(sent.get(1).get("dedup_key")).isEqualTo(sent.get(0).get("dedup_key"));
        assertThat(sent.get(0).get("payload").get("severity").asText()).isEqualTo("error");
        assertThat(kindsSent()).as("the webhook is told of the apply, PagerDuty only of the end of its incident")
                .contains("failed box/web", "applied box/web");
    }

    @Test
    void driftOnAnAlertServiceFoundByTwoRunsIsSentOnce() throws Exception {
        repo.write("driftless.yaml", driftlessYaml());
        repo.write("services/db/service.yaml", """
                hosts: [box]
                drift: alert
                files:
                  - path: /etc/db.conf
                    content: "shared_buffers 1GB\\n"
                """);
        repo.commit("db");
        assertThat(runOnce().exitCode()).isZero();
        Files.writeString(tmp.resolve("root/etc/db.conf"), "shared_buffers 8GB\n");

        Agent.Once first = runOnce();
        Agent.Once second = runOnce();

        assertThat(first.exitCode()).isEqualTo(2);
        assertThat(second.exitCode()).as("the drift is still there and still said by the exit code").isEqualTo(2);
        assertThat(kindsSent()).filteredOn(kind -> kind.startsWith("drift-found")).containsExactly("drift-found box/db");
    }
}
