package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import dev.driftless.web.AgentServer;
import dev.driftless.web.ApiTokens;
import dev.driftless.web.HistorySource;
import dev.driftless.web.Listeners;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /api/rollback} and {@code driftless rollback} against a real agent running its loop over a real Git
 * repository, with named tokens: a control token rolls a host back and is recorded as who asked, a read token may
 * not, and refusals say why. Hosts a and b: v1 is applied to both, then v2 to b only (a is suspended meanwhile).
 */
class AgentRollbackApiTest {

    private static final String CONTROL = "alice-control-token-0123456789";
    private static final String READ = "viewer-read-token-0123456789";

    @TempDir
    Path tmp;

    TestRepo repo;
    HistoryStore history;
    Agent agent;
    AgentFixture.Loop loop;
    AgentServer server;
    String v1;
    String v2;
    Path controlFile;

    @BeforeEach
    void setUp() throws Exception {
        repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  a:\n    address: local\n  b:\n    address: local\n");
        v1 = web("v1");
        history = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(tmp.resolve("state")), "test-agent");
        agent = new Agent(AgentFixture.settings("file://" + repo.dir(), tmp), history, new AgentMetrics(), e -> { },
                Clock.systemUTC());
        agent.reconcileOnce("start");
        agent.suspend(Optional.of("a"), "ops");
        v2 = web("v2");
        agent.reconcileOnce("webhook");
        assertThat(webConf("b")).hasContent("v2");
        assertThat(webConf("a")).hasContent("v1");

        Path tokens = Files.createFile(tmp.resolve("tokens"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tokens, "alice control " + CONTROL + "\nviewer read " + READ + "\n");
        controlFile = Files.writeString(tmp.resolve("alice-token"), CONTROL + "\n");
        loop = new AgentFixture.Loop(agent);
        assertThat(loop.await("fetch", 60)).as("the loop's first reconcile").isTrue();
        server = AgentServer.start(Listeners.on("127.0.0.1:0"), agent, new AgentMetrics(), HistorySource.of(history),
                Optional.empty(), ApiTokens.read(tokens));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) {
            server.close();
        }
        if (loop != null) {
            loop.close();
        }
        history.close();
    }

    private String web(String version) {
        repo.write("services/web/service.yaml", "hosts: [a, b]\nfiles:\n  - path: /etc/web.conf\n    content: \""
                + version + "\\n\"\n");
        return repo.commit("web " + version);
    }

    private Path webConf(String host) {
        return tmp.resolve("root/" + host + "/etc/web.conf");
    }

    private String url() {
        return "http://127.0.0.1:" + server.port();
    }

    private HttpResponse<String> call(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url() + path))
                .header("Authorization", "Bearer " + token);
        request = body == null ? request.GET() : request.header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body));
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> rollback(String token, String host, String commit) throws Exception {
        return call("POST", "/api/rollback", token, "{\"host\": \"" + host + "\", \"commit\": \"" + commit + "\"}");
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return new ObjectMapper().readTree(response.body());
    }

    @Test
    void theRollbackCommandPutsTheHostBackHoldsItAndStatusAndHistorySayWhoAsked() throws Exception {
        Cli.Result rolled = Cli.run("rollback", "--host", "b", "--to", v1.substring(0, 12), "--agent", url(),
                "--token-file", controlFile.toString());

        assertThat(rolled.exitCode()).as(rolled.err()).isZero();
        assertThat(rolled.out()).contains("Rolling b back to " + v1.substring(0, 12) + " (the whole host)",
                "driftless resume --host b");
        assertThat(loop.await("fetch", 60)).as("the rollback's reconcile").isTrue();
        assertThat(webConf("b")).hasContent("v1");
        JsonNode b = json(call("GET", "/api/status", READ, null)).at("/hosts/1");
        assertThat(b.path("host").asText()).isEqualTo("b");
        assertThat(b.at("/held/commit").asText()).isEqualTo(v1);
        assertThat(b.at("/held/by").asText()).isEqualTo("alice");
        assertThat(b.at("/held/since").asText()).isNotEmpty();
        assertThat(json(call("GET", "/api/status", READ, null)).at("/hosts/0/held").isNull()).isTrue();
        Cli.Result status = Cli.run("status", "--agent", url(), "--token-file", controlFile.toString());
        assertThat(status.exitCode()).as("a held host is not all in sync: " + status.out()).isEqualTo(2);
        assertThat(status.out()).contains("b  (commit " + v1.substring(0, 12) + ", held at " + v1.substring(0, 12)
                + " (rolled back by alice; driftless resume --host b or a newer commit ends it))");
        JsonNode last = json(call("GET", "/api/history?host=b&limit=1", READ, null)).at("/reconciles/0");
        assertThat(last.path("trigger").asText()).isEqualTo("rollback by alice");
        assertThat(last.path("commit").asText()).isEqualTo(v1);
        assertThat(last.path("kind").asText()).isEqualTo("apply");
    }

    @Test
    void aReadTokenMayNotRollBack() throws Exception {
        HttpResponse<String> refused = rollback(READ, "b", v1);

        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(json(refused).path("error").asText()).contains("'viewer' has the role read", "needs control");
        assertThat(json(call("GET", "/api/status", READ, null)).at("/hosts/1/held").isNull()).isTrue();
    }

    @Test
    void refusalsSayWhatIsWrong() throws Exception {
        HttpResponse<String> unknownHost = rollback(CONTROL, "nope", v1);
        HttpResponse<String> unknownCommit = rollback(CONTROL, "b", "0123456789abcdef0123456789abcdef01234567");
        HttpResponse<String> neverOnA = rollback(CONTROL, "a", v2);
        HttpResponse<String> noCommit = call("POST", "/api/rollback", CONTROL, "{\"host\": \"b\"}");

        assertThat(unknownHost.statusCode()).isEqualTo(400);
        assertThat(json(unknownHost).path("error").asText()).contains("'nope' is not a host this agent manages");
        assertThat(unknownCommit.statusCode()).isEqualTo(400);
        assertThat(json(unknownCommit).path("error").asText()).contains("is not in the agent's copy of");
        assertThat(neverOnA.statusCode()).as("v2 was held back on a, so never applied there").isEqualTo(409);
        assertThat(json(neverOnA).path("error").asText()).contains("was never applied and found healthy on a");
        assertThat(noCommit.statusCode()).isEqualTo(400);
        assertThat(json(noCommit).path("error").asText()).contains("{\"host\": \"web-1\", \"commit\":");

        Cli.Result cli = Cli.run("rollback", "--host", "a", "--to", v2, "--agent", url(), "--token-file",
                controlFile.toString());
        assertThat(cli.exitCode()).isEqualTo(1);
        assertThat(cli.err()).startsWith("Error: the agent at " + url() + " did not roll a back (409): commit ");
    }

    @Test
    void helpSaysTheWholeHostGoesBackAndListsTheExitCodes() {
        Cli.Result help = Cli.run("rollback", "--help");

        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("--host", "--to", "--agent", "--token-file", "--ca-file", "Exit codes:");
        assertThat(help.out().replaceAll("\\s+", " ")).contains("The whole host goes back", "driftless resume");
    }
}
