package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.testing.Cli;
import dev.driftless.testing.PushedRepo;
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
 * {@code driftless allow-rewind} and {@code POST /api/allow-rewind} against a real agent running its loop, and
 * {@code agent --once --allow-rewind-to}, over a real git daemon: v1 then v2 are applied to host box, then main is
 * force-pushed back to v1, which the agent refuses until a control token allows it once.
 */
class AgentAllowRewindTest {

    private static final String CONTROL = "alice-control-token-0123456789";
    private static final String READ = "viewer-read-token-0123456789";

    @TempDir
    Path tmp;

    PushedRepo repo;
    HistoryStore history;
    AgentFixture.Loop loop;
    AgentServer server;
    String v1;
    String v2;
    Path controlFile;

    @BeforeEach
    void setUp() throws Exception {
        repo = PushedRepo.create(tmp.resolve("git"));
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        v1 = web("v1");
        v2 = web("v2");
        Path tokens = Files.createFile(tmp.resolve("tokens"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tokens, "alice control " + CONTROL + "\nviewer read " + READ + "\n");
        controlFile = Files.writeString(tmp.resolve("alice-token"), CONTROL + "\n");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) {
            server.close();
        }
        if (loop != null) {
            loop.close();
        }
        if (history != null) {
            history.close();
        }
        repo.close();
    }

    private String web(String version) {
        repo.write("services/web/service.yaml", "hosts: [box]\nfiles:\n  - path: /etc/web.conf\n    content: \""
                + version + "\\n\"\n");
        return repo.commitAndPush("web " + version);
    }

    private Path webConf() {
        return tmp.resolve("root/etc/web.conf"); // one host: its files go right under --root
    }

    /** An agent that applied v2, then refused v1 when main was force-pushed back to it; its loop and HTTP side. */
    private void runningAgentRefusingV1() throws Exception {
        history = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(tmp.resolve("state")), "test-agent");
        Agent agent = new Agent(AgentFixture.settings(repo.url(), tmp), history, new AgentMetrics(), e -> { },
                Clock.systemUTC());
        agent.reconcileOnce("start");
        assertThat(webConf()).hasContent("v2");
        repo.forcePush(v1);
        loop = new AgentFixture.Loop(agent);
        assertThat(loop.await("fetch", 60)).as("the loop's first reconcile").isTrue();
        assertThat(webConf()).as("refused").hasContent("v2");
        server = AgentServer.start(Listeners.on("127.0.0.1:0"), agent, new AgentMetrics(), HistorySource.of(history),
                Optional.empty(), ApiTokens.read(tmp.resolve("tokens")));
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

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return new ObjectMapper().readTree(response.body());
    }

    @Test
    void theAllowRewindCommandLetsTheRefusedCommitThroughAndTheHistorySaysWhoAllowedIt() throws Exception {
        runningAgentRefusingV1();
        JsonNode box = json(call("GET", "/api/status", READ, null)).at("/hosts/0");
        assertThat(box.at("/rewindRefused/commit").asText()).isEqualTo(v1);
        assertThat(box.at("/rewindRefused/newest").asText()).isEqualTo(v2);

        Cli.Result allowed = Cli.run("allow-rewind", "--to", v1.substring(0, 12), "--agent", url(), "--token-file",
                controlFile.toString());

        assertThat(allowed.exitCode()).as(allowed.err()).isZero();
        assertThat(allowed.out()).contains("Allowed the rewind to " + v1.substring(0, 12) + " once");
        assertThat(loop.await("fetch", 60)).as("the allowed rewind's reconcile").isTrue();
        assertThat(webConf()).hasContent("v1");
        JsonNode last = json(call("GET", "/api/history?host=box&limit=1", READ, null)).at("/reconciles/0");
        assertThat(last.path("trigger").asText()).isEqualTo("rewind allowed by alice");
        assertThat(last.path("commit").asText()).isEqualTo(v1);
        assertThat(json(call("GET", "/api/status", READ, null)).at("/hosts/0/rewindRefused").isNull()).isTrue();
    }

    @Test
    void aReadTokenMayNotAllowARewindAndRefusalsSayWhatIsWrong() throws Exception {
        runningAgentRefusingV1();

        HttpResponse<String> read = call("POST", "/api/allow-rewind", READ, "{\"commit\": \"" + v1 + "\"}");
        HttpResponse<String> notLatest = call("POST", "/api/allow-rewind", CONTROL, "{\"commit\": \"" + v2 + "\"}");
        HttpResponse<String> notAnId = call("POST", "/api/allow-rewind", CONTROL, "{\"commit\": \"main~1\"}");
        HttpResponse<String> noCommit = call("POST", "/api/allow-rewind", CONTROL, "{}");

        assertThat(read.statusCode()).isEqualTo(403);
        assertThat(notLatest.statusCode()).isEqualTo(409);
        assertThat(json(notLatest).path("error").asText()).contains("is not the commit HEAD names now");
        assertThat(notAnId.statusCode()).isEqualTo(400);
        assertThat(noCommit.statusCode()).isEqualTo(400);
        assertThat(json(noCommit).path("error").asText()).contains("{\"commit\": ");
        Cli.Result cli = Cli.run("allow-rewind", "--to", v2, "--agent", url(), "--token-file", controlFile.toString());
        assertThat(cli.exitCode()).isEqualTo(1);
        assertThat(cli.err()).startsWith("Error: the agent at " + url() + " did not allow the rewind to " + v2
                + " (409): commit ");
        assertThat(webConf()).hasContent("v2");
    }

    @Test
    void agentOnceRefusesTheRewindWithExitOneAndAppliesItWithAllowRewindTo() {
        String[] once = {"agent", "--once", "--repo", repo.url(), "--agent-id", "test-agent", "--state-dir",
                tmp.resolve("state").toString(), "--root", tmp.resolve("root").toString()};
        assertThat(Cli.run(once).exitCode()).isZero();
        repo.forcePush(v1);

        Cli.Result refused = Cli.run(once);
        Cli.Result again = Cli.run(once);
        String[] allowing = java.util.stream.Stream.concat(java.util.Arrays.stream(once),
                java.util.stream.Stream.of("--allow-rewind-to", v1.substring(0, 7))).toArray(String[]::new);
        assertThat(webConf()).hasContent("v2");
        Cli.Result allowed = Cli.run(allowing);

        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(1);
        assertThat(refused.err()).contains("driftless agent --once: commit " + v1.substring(0, 12)
                + " failed: rewind refused on box: commit " + v1.substring(0, 12) + " does not descend from "
                + v2.substring(0, 12));
        assertThat(again.exitCode()).as(again.toString()).isEqualTo(1);
        assertThat(allowed.exitCode()).as(allowed.toString()).isZero();
        assertThat(allowed.err()).contains("driftless agent --once: applied " + v1.substring(0, 12) + " on 1 host");
        assertThat(webConf()).hasContent("v1");
    }

    @Test
    void helpSaysWhatIsAllowedAndListsTheExitCodes() {
        Cli.Result help = Cli.run("allow-rewind", "--help");

        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("--to", "--agent", "--token-file", "--ca-file", "Exit codes:");
        assertThat(help.out().replaceAll("\\s+", " ")).contains("force-pushed back", "rewind allowed by");
        Cli.Result withoutOnce = Cli.run("agent", "--repo", "/nowhere", "--allow-rewind-to", "abcdef0");
        assertThat(withoutOnce.exitCode()).isEqualTo(1);
        assertThat(withoutOnce.err()).contains("--allow-rewind-to goes with --once");
    }
}
