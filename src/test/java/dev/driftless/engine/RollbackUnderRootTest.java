package dev.driftless.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rollback of files and handlers without systemd: a local host under {@code --root}, whose "app" is an HTTP server
 * this test runs, answering with the status its config file under the root says. A commit that makes it answer
 * 500 is rolled back: files as they were at the last healthy commit, its handler run again.
 */
class RollbackUnderRootTest {

    @TempDir
    Path tmp;

    Path root;
    HttpServer app;
    TestRepo repo;

    @BeforeEach
    void start() throws IOException {
        root = tmp.resolve("root");
        app = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        app.createContext("/", exchange -> {
            Path conf = root.resolve("etc/app/app.conf");
            String text = Files.exists(conf) ? Files.readString(conf) : "";
            int status = text.contains("status=500") ? 500 : 200;
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        app.start();
        repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
    }

    @AfterEach
    void stop() {
        app.stop(0);
        repo.close();
    }

    /** Commits the app with {@code conf} as its config file and {@code files} as more file entries. */
    private String commit(String conf, String files, String health) {
        repo.write("services/app/service.yaml", """
                hosts: [box]
                files:
                  - path: /etc/app/app.conf
                    content: "%s\\n"
                    onChange: [reload]
                %s
                handlers:
                  reload: cat "$DRIFTLESS_ROOT/etc/app/app.conf" >> "$DRIFTLESS_ROOT/reloads.log"
                health:
                %s
                """.formatted(conf, files, health));
        return repo.commit(conf);
    }

    private String httpCheck() {
        return """
                  - http: http://127.0.0.1:%d/
                    successes: 1
                    timeout: 3s
                """.formatted(app.getAddress().getPort());
    }

    private Cli.Result apply(String... more) {
        return Cli.on("apply", repo.dir(), root, more);
    }

    private String state() throws IOException {
        return Files.readString(root.resolve("var/lib/driftless/state/box.json"));
    }

    @Test
    void filesAndHandlersGoBackToTheLastHealthyCommitWhenTheHttpCheckFails() throws Exception {
        String a = commit("status=200", """
                  - path: /etc/app/extra.conf
                    content: "only in A\\n"
                """, httpCheck());
        Cli.Result first = apply();
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(first.out()).contains("box: health app: healthy");
        assertThat(state()).contains("\"healthy\" : \"" + a + "\"");
        String b = commit("status=500", """
                  - path: /etc/app/new.conf
                    content: "only in B\\n"
                """, httpCheck());

        Cli.Result apply = apply();

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
        assertThat(apply.out()).contains("box: health app: degraded", "HTTP 500",
                "box: rolled back to " + a.substring(0, 12) + " (app failed), the last commit healthy here",
                "Apply failed");
        assertThat(root.resolve("etc/app/app.conf")).hasContent("status=200");
        assertThat(root.resolve("etc/app/extra.conf")).as("deleted by B, back").hasContent("only in A");
        assertThat(root.resolve("etc/app/new.conf")).as("added by B, gone").doesNotExist();
        assertThat(Files.readAllLines(root.resolve("reloads.log"))).as("the handler ran for A, B and A again")
                .containsExactly("status=200", "status=500", "status=200");
        assertThat(state()).contains("\"revision\" : \"" + a + "\"", "\"healthy\" : \"" + a + "\"").doesNotContain(b);
        assertThat(Cli.on("check", repo.dir(), root, "--ref", a).exitCode()).as("the host is A's").isZero();
    }

    @Test
    void aFailingCommandCheckRollsBackAndNoRollbackKeepsTheFailedFiles() throws Exception {
        String check = """
                  - command: grep -qx ready "$DRIFTLESS_ROOT/etc/app/app.conf"
                    successes: 1
                    timeout: 2s
                """;
        String a = commit("ready", "", check);
        assertThat(apply().exitCode()).isZero();
        String b = commit("not ready", "", check);

        Cli.Result kept = apply("--no-rollback");

        assertThat(kept.exitCode()).as(kept.toString()).isEqualTo(1);
        assertThat(kept.out()).contains("box: health app: degraded", "exit 1",
                "box: not rolled back (app failed): --no-rollback");
        assertThat(root.resolve("etc/app/app.conf")).hasContent("not ready");
        assertThat(state()).contains("\"revision\" : \"" + b + "\"", "\"healthy\" : \"" + a + "\"");

        Cli.Result rolledBack = apply();

        assertThat(rolledBack.exitCode()).as(rolledBack.toString()).isEqualTo(1);
        assertThat(rolledBack.out()).contains("box: rolled back to " + a.substring(0, 12));
        assertThat(root.resolve("etc/app/app.conf")).hasContent("ready");
    }

    @Test
    void aFirstCommitThatIsNotHealthyHasNothingToGoBackToAndSaysSo() throws Exception {
        String a = commit("status=500", "", httpCheck());

        Cli.Result apply = apply();

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
        assertThat(apply.out()).contains("box: health app: degraded",
                "not rolled back (app failed): no earlier commit was healthy on box: nothing to roll back to");
        assertThat(root.resolve("etc/app/app.conf")).hasContent("status=500");
        assertThat(state()).contains("\"revision\" : \"" + a + "\"").doesNotContain("\"healthy\" : \"" + a);
    }
}
