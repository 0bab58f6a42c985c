package dev.driftless.cli;

import dev.driftless.report.HealthState;
import dev.driftless.report.SyncState;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.agent.AgentStatus;
import dev.driftless.agent.AgentMetrics;
import dev.driftless.testing.SelfSigned;
import dev.driftless.web.AgentServer;
import dev.driftless.web.ApiTokens;
import dev.driftless.web.Listeners;
import dev.driftless.web.TlsFiles;
import dev.driftless.web.WebTestAgent;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** driftless status, suspend and resume against a running agent's HTTP side (and against nothing). */
class WebCliTest {

    private static final String TOKEN = "tok-7f3e9a0c5b1d";

    @TempDir
    Path dir;

    private final WebTestAgent agent = WebTestAgent.inSync();
    private AgentServer server;
    private String url;
    private Path tokenFile;

    record Run(int exitCode, String out, String err) {
    }

    @BeforeEach
    void start() throws Exception {
        server = AgentServer.start("127.0.0.1:0", agent, new AgentMetrics(), null, Optional.empty(), Optional.of(TOKEN));
        url = "http://127.0.0.1:" + server.port();
        tokenFile = Files.writeString(dir.resolve("api-token"), TOKEN + "\n");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static Run run(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = new CommandLine(command);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int code = commandLine.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void statusOfAnAgentInSyncExitsZero() {
        Run status = run(new StatusCommand(), "--agent", url, "--token-file", tokenFile.toString());

        assertThat(status.exitCode()).as(status.err()).isZero();
        assertThat(status.out()).isEqualTo("""
                Source: https://git.example.org/infra.git (main): ok, latest commit 3f2a9c1d0e4b
                Applied: 3f2a9c1d0e4b at 2025-05-01T10:15:30Z

                web-1  (commit 3f2a9c1d0e4b)
                  nginx  in-sync
                  notes  in-sync

                db-1  (commit 3f2a9c1d0e4b)
                  postgres  in-sync
                """);
        assertThat(status.err()).isEmpty();
    }

    @Test
    void driftPendingAndFailuresExitTwo() {
        String failed = "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b";
        agent.setStatus(new AgentStatus(AgentStatus.FORMAT_VERSION, "test-agent", "https://git.example.org/infra.git",
                "main", "unavailable", Optional.of("connection timed out"), Optional.of(WebTestAgent.COMMIT),
                Optional.empty(), Optional.of(failed), Optional.of(failed), Optional.of("handler 'reload' exited 1"),
                false, false, List.of(
                        WebTestAgent.host("web-1", false,
                                new AgentStatus.ServiceStatus("nginx", SyncState.IN_SYNC, HealthState.UNKNOWN, 0),
                                new AgentStatus.ServiceStatus("notes", SyncState.DRIFTED, HealthState.UNKNOWN, 2),
                                new AgentStatus.ServiceStatus("tls", SyncState.DRIFTED, HealthState.UNKNOWN, 1)),
                        new AgentStatus.HostStatus("db-1", true, Optional.of("api"), Optional.empty(),
                                SyncState.PENDING, List.of(
                                new AgentStatus.ServiceStatus("postgres", SyncState.PENDING, HealthState.UNKNOWN, 0))))));

        Run status = run(new StatusCommand(), "--agent", url + "/", "--token-file", tokenFile.toString());

        assertThat(status.exitCode()).isEqualTo(2);
        assertThat(status.out()).isEqualTo("""
                Source: https://git.example.org/infra.git (main): unavailable: connection timed out, latest commit 9a8b7c6d5e4f
                Applied: 3f2a9c1d0e4b
                Failed: commit 9a8b7c6d5e4f: handler 'reload' exited 1

                web-1  (commit 3f2a9c1d0e4b)
                  nginx  in-sync
                  notes  drifted (2 resources)
                  tls    drifted (1 resource)

                db-1  (nothing applied yet, suspended)
                  postgres  pending
                """);
    }

    @Test
    void eachStateOtherThanInSyncExitsTwo() {
        for (SyncState state : List.of(SyncState.PENDING, SyncState.DRIFTED, SyncState.FAILED, SyncState.SUSPENDED)) {
            agent.setStatus(WebTestAgent.status(false, List.of(
                    WebTestAgent.host("web-1", false, new AgentStatus.ServiceStatus("nginx", state, HealthState.UNKNOWN,
                            0)))));
            assertThat(run(new StatusCommand(), "--agent", url, "--token-file", tokenFile.toString()).exitCode())
                    .as(state.word()).isEqualTo(2);
        }
    }

    @Test
    void aServiceWithHealthChecksShowsItsHealthAndADegradedOneExitsTwo() {
        agent.setStatus(WebTestAgent.status(false, List.of(WebTestAgent.host("web-1", false,
                new AgentStatus.ServiceStatus("app", SyncState.IN_SYNC, HealthState.HEALTHY, 0),
                new AgentStatus.ServiceStatus("nginx", SyncState.IN_SYNC, HealthState.UNKNOWN, 0)))));
        Run healthy = run(new StatusCommand(), "--agent", url, "--token-file", tokenFile.toString());
        assertThat(healthy.exitCode()).as(healthy.err()).isZero();
        assertThat(healthy.out()).contains("  app    in-sync, healthy\n  nginx  in-sync\n");

        agent.setStatus(WebTestAgent.status(false, List.of(WebTestAgent.host("web-1", false,
                new AgentStatus.ServiceStatus("app", SyncState.IN_SYNC, HealthState.DEGRADED, 0)))));
        Run degraded = run(new StatusCommand(), "--agent", url, "--token-file", tokenFile.toString());
        assertThat(degraded.exitCode()).isEqualTo(2);
        assertThat(degraded.out()).contains("  app  in-sync, degraded\n");
    }

    @Test
    void statusAsJsonIsTheAgentsOwnStatus() throws Exception {
        agent.suspend(Optional.of("db-1"));

        Run status = run(new StatusCommand(), "--agent", url, "--token-file", tokenFile.toString(), "--output", "json");

        assertThat(status.exitCode()).isEqualTo(2);
        JsonNode json = new ObjectMapper().readTree(status.out());
        assertThat(json.get("appliedCommit").asText()).isEqualTo(WebTestAgent.COMMIT);
        assertThat(json.get("appliedAt").asText()).isEqualTo("2025-05-01T10:15:30Z");
        assertThat(json.get("failedCommit").isNull()).isTrue();
        assertThat(json.at("/hosts/1/host").asText()).isEqualTo("db-1");
        assertThat(json.at("/hosts/1/suspended").asBoolean()).isTrue();
        assertThat(json.at("/hosts/0/services/0/sync").asText()).isEqualTo("in-sync");

        agent.resume(Optional.empty());
        assertThat(run(new StatusCommand(), "--agent", url, "--token-file", tokenFile.toString(), "--output", "json")
                .exitCode()).isZero();
    }

    @Test
    void anUnreachableAgentExitsOneWithAClearMessage() throws Exception {
        String closed = "http://127.0.0.1:" + closedPort();

        Run status = run(new StatusCommand(), "--agent", closed, "--token-file", tokenFile.toString());
        Run suspend = run(new SuspendCommand(), "--agent", closed, "--token-file", tokenFile.toString());
        Run resume = run(new ResumeCommand(), "--agent", closed, "--token-file", tokenFile.toString());

        for (Run run : List.of(status, suspend, resume)) {
            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.out()).isEmpty();
            assertThat(run.err()).startsWith("Error: cannot reach the agent at " + closed + ":")
                    .contains("Is `driftless agent` running there?");
        }
        assertThat(run(new StatusCommand(), "--agent", "ftp://example.org", "--token-file", "/nonexistent").err())
                .startsWith("Error: --agent ftp://example.org is not an http(s) URL");
    }

    @Test
    void suspendAndResumeOneHostThenEveryHost() {
        Run suspend = run(new SuspendCommand(), "--agent", url, "--host", "web-1", "--token-file", tokenFile.toString());

        assertThat(suspend.exitCode()).as(suspend.err()).isZero();
        assertThat(suspend.out()).isEqualTo("Suspended automatic applies on web-1.\n");
        assertThat(agent.status().hosts().get(0).suspended()).isTrue();
        assertThat(agent.status().suspended()).isFalse();
        Run status = run(new StatusCommand(), "--agent", url, "--token-file", tokenFile.toString());
        assertThat(status.exitCode()).isEqualTo(2);
        assertThat(status.out()).contains("web-1  (commit 3f2a9c1d0e4b, suspended)");

        Run resume = run(new ResumeCommand(), "--agent", url, "--host", "web-1", "--token-file", tokenFile.toString());
        assertThat(resume.exitCode()).isZero();
        assertThat(resume.out()).isEqualTo("Resumed automatic applies on web-1.\n");
        assertThat(run(new StatusCommand(), "--agent", url, "--token-file", tokenFile.toString()).exitCode()).isZero();

        assertThat(run(new SuspendCommand(), "--agent", url, "--token-file", tokenFile.toString()).out())
                .isEqualTo("Suspended automatic applies on every host.\n");
        assertThat(agent.status().suspended()).isTrue();
        assertThat(run(new StatusCommand(), "--agent", url, "--token-file", tokenFile.toString()).out())
                .contains("Suspended: automatic applies are suspended on every host");
        assertThat(run(new ResumeCommand(), "--agent", url, "--token-file", tokenFile.toString()).exitCode()).isZero();
        assertThat(agent.status().suspended()).isFalse();
    }

    @Test
    void aWrongOrMissingTokenIsAClearError() throws Exception {
        Path wrong = Files.writeString(dir.resolve("wrong-token"), "not-the-token");

        Run refused = run(new SuspendCommand(), "--agent", url, "--token-file", wrong.toString());
        Run missing = run(new ResumeCommand(), "--agent", url, "--token-file", dir.resolve("absent").toString());
        Run empty = run(new SuspendCommand(), "--agent", url, "--token-file",
                Files.writeString(dir.resolve("empty"), "\n").toString());

        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).isEqualTo("Error: the agent at " + url + " refused the token in " + wrong
                + " (401 Unauthorized); use the token file of that agent\n");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("cannot read the API token", "absent does not exist", "--token-file");
        assertThat(empty.exitCode()).isEqualTo(1);
        assertThat(empty.err()).contains("is empty");
        assertThat(agent.status().suspended()).isFalse();
        assertThat(agent.status().hosts()).noneMatch(AgentStatus.HostStatus::suspended);
    }

    @Test
    void anUnknownHostIsTheAgentsError() {
        Run suspend = run(new SuspendCommand(), "--agent", url, "--host", "nope", "--token-file", tokenFile.toString());

        assertThat(suspend.exitCode()).isEqualTo(1);
        assertThat(suspend.err()).isEqualTo("Error: the agent at " + url + " did not suspend (400): unknown host 'nope'\n");
    }

    @Test
    void anAgentWithoutATokenSaysSo() {
        try (AgentServer tokenless = AgentServer.start("127.0.0.1:0", agent, new AgentMetrics(), null,
                Optional.empty(), Optional.empty())) {
            Run suspend = run(new SuspendCommand(), "--agent", "127.0.0.1:" + tokenless.port(),
                    "--token-file", tokenFile.toString());

            assertThat(suspend.exitCode()).isEqualTo(1);
            assertThat(suspend.err()).contains("(503): no token configured");
        }
    }

    @Test
    void statusSendsTheTokenOfTokenFileAndSaysWhenItIsRefused() throws Exception {
        Path wrong = Files.writeString(dir.resolve("wrong-token"), "not-the-token");

        Run refused = run(new StatusCommand(), "--agent", url, "--token-file", wrong.toString());
        Run missing = run(new StatusCommand(), "--agent", url, "--token-file", dir.resolve("absent").toString());

        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.out()).isEmpty();
        assertThat(refused.err()).isEqualTo("Error: the agent at " + url + " refused the token in " + wrong
                + " (401 Unauthorized); use the token file of that agent\n");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("absent does not exist", "DRIFTLESS_TOKEN_FILE");
    }

    @Test
    void suspendWithAReadTokenSaysItNeedsAControlToken() throws Exception {
        String read = "read-token-0123456789abcdef";
        Path tokens = Files.createFile(dir.resolve("tokens"), java.nio.file.attribute.PosixFilePermissions
                .asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tokens, "dashboard read " + read + "\nops control " + TOKEN + "-ops\n");
        Path readFile = Files.writeString(dir.resolve("read-token"), read + "\n");
        Path opsFile = Files.writeString(dir.resolve("ops-token"), TOKEN + "-ops\n");
        try (AgentServer named = AgentServer.start(Listeners.on("127.0.0.1:0"), agent, new AgentMetrics(), null,
                Optional.empty(), ApiTokens.read(tokens))) {
            String at = "http://127.0.0.1:" + named.port();

            assertThat(run(new StatusCommand(), "--agent", at, "--token-file", readFile.toString()).exitCode()).isZero();
            Run suspend = run(new SuspendCommand(), "--agent", at, "--host", "web-1", "--token-file", readFile.toString());
            assertThat(suspend.exitCode()).isEqualTo(1);
            assertThat(suspend.err()).startsWith("Error: the agent at " + at + " does not let the token in " + readFile
                    + " do this (403 Forbidden)").contains("control").doesNotContain(read);

            assertThat(run(new SuspendCommand(), "--agent", at, "--host", "web-1", "--token-file", opsFile.toString())
                    .exitCode()).isZero();
            Run status = run(new StatusCommand(), "--agent", at, "--token-file", readFile.toString(), "--output",
                    "json");
            assertThat(new ObjectMapper().readTree(status.out()).at("/hosts/0/suspendedBy").asText()).isEqualTo("ops");
        }
    }

    @Test
    void statusOfAnHttpsAgentTrustsItsCaFile() throws Exception {
        SelfSigned pem = SelfSigned.in(dir);
        try (AgentServer tls = AgentServer.start(new Listeners("127.0.0.1:0", Optional.empty(),
                Optional.of(new TlsFiles(pem.certificate(), pem.key()))), agent, new AgentMetrics(), null,
                Optional.empty(), ApiTokens.single(TOKEN))) {
            String at = "https://127.0.0.1:" + tls.port();

            Run trusted = run(new StatusCommand(), "--agent", at, "--token-file", tokenFile.toString(), "--ca-file",
                    pem.certificate().toString());
            Run untrusted = run(new StatusCommand(), "--agent", at, "--token-file", tokenFile.toString());

            assertThat(trusted.exitCode()).as(trusted.err()).isZero();
            assertThat(trusted.out()).contains("web-1", "in-sync");
            assertThat(untrusted.exitCode()).isEqualTo(1);
            assertThat(untrusted.err()).startsWith("Error: cannot reach the agent at " + at);
        }
    }

    @Test
    void helpExplainsTheOptionsAndExitCodes() {
        for (Object command : List.of(new StatusCommand(), new SuspendCommand(), new ResumeCommand())) {
            Run help = run(command, "--help");
            assertThat(help.exitCode()).isZero();
            assertThat(help.out()).contains("--agent", "Exit codes:");
            assertThat(help.out().replaceAll("\\s+", "")).contains("Default:http://127.0.0.1:9090");
        }
        assertThat(run(new StatusCommand(), "--help").out()).contains("--output");
        assertThat(run(new SuspendCommand(), "--help").out().replaceAll("\\s+", ""))
                .contains("--host", "--token-file", "Default:$DRIFTLESS_TOKEN_FILE,else/var/lib/driftless/agent/api-token");
        for (Object command : List.of(new StatusCommand(), new SuspendCommand(), new ResumeCommand())) {
            assertThat(run(command, "--help").out()).contains("--token-file", "--ca-file");
        }
    }
}
