package dev.driftless.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.Command;
import dev.driftless.testing.MachineHost;
import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Automatic rollback end to end over SSH on a machine with systemd as PID 1: commit A serves, commit B breaks the
 * app (it exits at once, or its unit cannot start); the apply of B puts the machine back at A. One machine for the
 * class; each test is its own host there, with an app of its own name and port.
 */
class RollbackTest {

    @RegisterExtension
    static final MachineHost machine = MachineHost.perClass();

    @TempDir
    Path tmp;

    /** One test's app: host NAME, service NAME with unit NAME.service on its own port. */
    private final class App {
        final String name;
        final int port = MachineHost.freePort();
        final TestRepo repo;

        App(String name) {
            this.name = name;
            this.repo = TestRepo.init(tmp.resolve("repo"));
            repo.write("driftless.yaml", machine.inventory(name));
            repo.write("services/" + name + "/app.py", MachineHost.appScript());
        }

        /** Commits the app with {@code conf} as its config file (after its port) and {@code more} service.yaml keys. */
        String commit(String conf, String more) {
            return commit(conf, "", more);
        }

        /** The same with {@code units} (entries indented for the list) after the app's unit. */
        String commit(String conf, String units, String more) {
            repo.write("services/" + name + "/service.yaml", """
                    hosts: [machine]
                    files:
                      - path: /etc/%1$s/app.conf
                        content: "port=%2$d\\n%3$s"
                      - path: /usr/local/bin/%1$s.py
                        source: app.py
                    units:
                      - name: %1$s.service
                        content: |
                          [Service]
                          ExecStart=/usr/bin/python3 /usr/local/bin/%1$s.py /etc/%1$s/app.conf
                          [Install]
                          WantedBy=multi-user.target
                        restartOn: [/etc/%1$s/app.conf]
                    %5$s
                    health:
                      - http: http://127.0.0.1:%2$d/
                        successes: 1
                        timeout: 4s
                    %4$s
                    """.formatted(name, port, conf, more, units));
            return repo.commit(conf.isEmpty() ? "the app" : conf.strip());
        }

        /** Commit A, applied and healthy. */
        String healthy() {
            String a = commit("body=A\\n", "");
            Cli.Result apply = cli("apply");
            assertThat(apply.exitCode()).as(apply.toString()).isZero();
            assertThat(apply.out()).contains("health " + name + ": healthy");
            assertThat(state()).contains("\"healthy\" : \"" + a + "\"");
            return a;
        }

        Cli.Result cli(String command, String... more) {
            return machine.cli(command, repo, more);
        }

        /** An apply that fails (exit 1), with {@code more} arguments. */
        Cli.Result failedApply(String... more) {
            Cli.Result apply = cli("apply", more);
            assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
            return apply;
        }

        String conf() throws IOException {
            return Files.readString(machine.machine().path("/etc/" + name + "/app.conf"));
        }

        String state() {
            try {
                return Files.readString(machine.machine().path("/var/lib/driftless/state/" + name + ".json"));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        /** What the app answers on its port, as a client on this machine (which shares the machine's network). */
        String answer() throws IOException {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                socket.setSoTimeout(5000);
                OutputStream out = socket.getOutputStream();
                out.write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = socket.getInputStream();
                String response = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
                return response.substring(0, response.indexOf("\r\n")) + " " + response.substring(response.indexOf("\r\n\r\n") + 4);
            }
        }
    }

    private static String shortId(String commit) {
        return commit.substring(0, 12);
    }

    @Test
    void aCommitThatBreaksTheAppIsRolledBackToTheLastHealthyCommit() throws Exception {
        App app = new App("rollback");
        String a = app.healthy();
        String b = app.commit("mode=exit\\n", "");

        Cli.Result apply = app.failedApply();

        assertThat(apply.out()).contains(
                "rollback: health rollback: degraded",
                "rollback: rolled back to " + shortId(a) + " (rollback failed), the last commit healthy here",
                "rollback (rolling back to " + shortId(a) + ")");
        assertThat(app.conf()).isEqualTo("port=" + app.port + "\nbody=A\n");
        assertThat(machine.systemctl("is-active", "rollback.service")).isEqualTo("active");
        assertThat(app.answer()).isEqualTo("HTTP/1.0 200 X A");
        assertThat(app.state()).contains("\"revision\" : \"" + a + "\"", "\"healthy\" : \"" + a + "\"")
                .doesNotContain(b);
    }

    @Test
    void noRollbackLeavesTheFailedCommitInPlaceForDebugging() throws Exception {
        App app = new App("norollback");
        String a = app.healthy();
        String b = app.commit("mode=exit\\n", "");

        Cli.Result apply = app.failedApply("--no-rollback");

        assertThat(apply.out()).contains("norollback: health norollback: degraded",
                "not rolled back (norollback failed): --no-rollback").doesNotContain("rolling back");
        assertThat(app.conf()).contains("mode=exit");
        assertThat(machine.systemctl("is-active", "norollback.service")).isNotEqualTo("active");
        assertThat(app.state()).contains("\"revision\" : \"" + b + "\"", "\"healthy\" : \"" + a + "\"");
    }

    @Test
    void onFailureKeepLeavesTheServiceAsAppliedAndOnlyReports() throws Exception {
        App app = new App("keep");
        String a = app.healthy();
        String b = app.commit("status=500\\n", "onFailure: keep");

        Cli.Result apply = app.failedApply();

        assertThat(apply.out()).contains("keep: health keep: degraded", "HTTP 500").doesNotContain("rolled back", "rolling back");
        assertThat(app.answer()).startsWith("HTTP/1.0 500");
        assertThat(app.state()).contains("\"revision\" : \"" + b + "\"", "\"healthy\" : \"" + a + "\"");
    }

    @Test
    void aLastHealthyCommitGoneFromTheHistoryIsSaidAndTheFailedStateKept() throws Exception {
        App app = new App("rewritten");
        String a = app.healthy();
        // the history is rewritten: a new repository in the same folder, where A never was
        app.repo.close();
        Command.run(Duration.ofSeconds(30), "rm", "-rf", app.repo.dir().resolve(".git").toString()).orThrow();
        App again = new App("rewritten");
        String b = again.commit("mode=exit\\n", "");

        Cli.Result apply = again.failedApply();

        assertThat(apply.out()).contains("rewritten: health rewritten: degraded",
                "commit " + shortId(a) + " cannot be applied again",
                "the host is left as the failed apply left it");
        assertThat(again.conf()).contains("mode=exit");
        assertThat(again.state()).contains("\"revision\" : \"" + b + "\"", "\"healthy\" : \"" + a + "\"");
    }

    @Test
    void aUnitThatFailsToStartFailsItsUnitCheckAndIsStoppedAndRemovedByTheRollback() throws Exception {
        App app = new App("nostart");
        String a = app.healthy();
        app.commit("body=B\\n", """
                  - name: nostart-worker.service
                    content: |
                      [Service]
                      ExecStartPre=/bin/false
                      ExecStart=/bin/sleep infinity
                      [Install]
                      WantedBy=multi-user.target
                """, """
                  - unit: nostart-worker.service
                    successes: 1
                    timeout: 3s
                """);

        Cli.Result apply = app.failedApply();

        assertThat(apply.out()).contains("systemctl start nostart-worker.service failed (exit 1)",
                "unit nostart-worker.service: unit is failed",
                "rolled back to " + shortId(a) + " (nostart failed)", "- unit nostart-worker.service");
        assertThat(machine.machine().path("/etc/systemd/system/nostart-worker.service")).doesNotExist();
        assertThat(machine.machine().path("/etc/systemd/system/multi-user.target.wants/nostart-worker.service"))
                .as("the unit's enablement went with it").doesNotExist();
        assertThat(machine.systemctl("is-failed", "nostart-worker.service")).as("not listed as failed any more")
                .isNotEqualTo("failed");
        assertThat(app.conf()).endsWith("body=A\n");
        assertThat(app.answer()).isEqualTo("HTTP/1.0 200 X A");
        assertThat(app.state()).contains("\"healthy\" : \"" + a + "\"").doesNotContain("nostart-worker");
    }
}
