package dev.driftless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.testing.Cli;
import dev.driftless.testing.Processes;
import dev.driftless.testing.TestRepo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code apply} says about handlers, through the real CLI in its own process (so the age key comes from
 * the environment, as for a user): host, service, handler, how it ended, and the last lines of its output,
 * bounded and with the repository's secret values masked.
 */
class ApplyHandlerOutputTest {

    static final String TOKEN = "handler-visible-token-8e1f";

    @TempDir
    Path tmp;

    Path root;
    Path keyFile;
    TestRepo repo;

    @BeforeEach
    void setUp() {
        root = tmp.resolve("root");
        keyFile = tmp.resolve("keys.txt");
        Cli.Result keygen = Cli.run("secrets", "keygen", "-o", keyFile.toString());
        assertThat(keygen.exitCode()).as(keygen.toString()).isZero();
        String recipient = keygen.err().lines().filter(l -> l.startsWith("Public key: ")).findFirst().orElseThrow()
                .substring("Public key: ".length());
        repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/web/app.conf.peb", "token = {{ secret('token') }}\n");
        repo.write("services/web/secrets.sops.yaml", "token: " + TOKEN + "\n");
        Cli.Result encrypted = Cli.run("secrets", "encrypt", "--in-place", "--age", recipient,
                repo.dir().resolve("services/web/secrets.sops.yaml").toString());
        assertThat(encrypted.exitCode()).as(encrypted.toString()).isZero();
        // db applies first and its handler succeeds; web's handler prints 30 lines, the secret, then fails
        service("db", "", "restart", "echo restarted db");
        service("web", "dependsOn: [db]\n", "reload",
                "for i in $(seq 1 30); do echo \"noise $i\"; done; cat \"$DRIFTLESS_ROOT/etc/web.conf\";"
                        + " echo 'reload: bad config'; exit 3");
    }

    /** A service on box with one file that names {@code handler}, which runs {@code command}. */
    private void service(String name, String more, String handler, String command) {
        String file = name.equals("web") ? "    template: app.conf.peb\n" : "    content: \"" + name + "\\n\"\n";
        repo.write("services/" + name + "/service.yaml", "hosts: [box]\n" + more + "files:\n"
                + "  - path: /etc/" + name + ".conf\n" + file + "    onChange: [" + handler + "]\n"
                + "handlers:\n  " + handler + ": '" + command.replace("'", "''") + "'\n");
        repo.commit(name);
    }

    /** Runs the CLI as its own process with the repository's age key in its environment. */
    private Cli.Result driftless(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(args));
        command.addAll(List.of("--repo", repo.dir().toString(), "--root", root.toString()));
        Path err = tmp.resolve("stderr.txt");
        ProcessBuilder builder = Processes.driftless(tmp, command.toArray(String[]::new))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectError(err.toFile());
        builder.environment().put("DRIFTLESS_AGE_KEY_FILE", keyFile.toString());
        builder.environment().put("HOME", tmp.toString());
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = process.waitFor();
        return new Cli.Result(code, out, Files.readString(err));
    }

    @Test
    void aFailingHandlerIsNamedWithItsExitCodeAndTheLastLinesOfItsOutputWithSecretsMasked() throws Exception {
        Cli.Result apply = driftless("apply");

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
        assertThat(apply.out()).as(apply.toString())
                .contains("handler db/restart: ok\n      restarted db\n")
                .contains("handler web/reload: failed (exit 3)\n      … (earlier output not shown)\n      noise 13\n")
                .contains("      token = ***\n      reload: bad config\n")
                .contains("box: handler web/reload failed (exit 3); it runs again on the next apply")
                .doesNotContain("noise 12\n", TOKEN);
        assertThat(apply.err()).doesNotContain(TOKEN);
    }

    @Test
    void jsonOutputCarriesEachHandlerRunWithItsEndingAndOutputTail() throws Exception {
        Cli.Result apply = driftless("apply", "--output", "json");

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
        assertThat(apply.out()).doesNotContain(TOKEN);
        JsonNode host = new ObjectMapper().readTree(apply.out()).get("hosts").get(0);
        assertThat(host.get("status").asText()).isEqualTo("failed");
        assertThat(host.get("failedHandlers")).extracting(JsonNode::asText).containsExactly("web/reload");
        JsonNode runs = host.get("handlerRuns");
        assertThat(runs).hasSize(2);
        JsonNode db = runs.get(0);
        assertThat(db.get("service").asText()).isEqualTo("db");
        assertThat(db.get("handler").asText()).isEqualTo("restart");
        assertThat(db.get("status").asText()).isEqualTo("ok");
        assertThat(db.get("exitCode").asInt()).isZero();
        assertThat(db.get("output").asText()).isEqualTo("restarted db\n");
        JsonNode web = runs.get(1);
        assertThat(web.get("service").asText()).isEqualTo("web");
        assertThat(web.get("handler").asText()).isEqualTo("reload");
        assertThat(web.get("command").asText()).startsWith("for i in");
        assertThat(web.get("status").asText()).isEqualTo("failed");
        assertThat(web.get("exitCode").asInt()).isEqualTo(3);
        assertThat(web.get("outputTruncated").asBoolean()).isTrue();
        assertThat(web.get("output").asText()).startsWith("noise 13\n").endsWith("token = ***\nreload: bad config\n");
    }

    @Test
    void theEndOfALongOutputIsShownNotItsBeginning() throws Exception {
        service("web", "", "reload", "seq 1 100000; echo 'the real error'; exit 1");

        Cli.Result apply = driftless("apply");

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
        assertThat(apply.out()).contains("handler web/reload: failed (exit 1)", "      100000\n      the real error\n")
                .doesNotContain("      99980\n");
    }

    @Test
    void aHandlerThatRunsTooLongSaysItTimedOutAndAfterHowLong() throws Exception {
        Path never = tmp.resolve("never.fifo");
        assertThat(new ProcessBuilder("mkfifo", never.toString()).start().waitFor()).isZero();
        // reading a named pipe nobody writes to never ends: only the timeout stops it
        service("web", "", "reload", "echo waiting; cat " + never);

        Cli.Result apply = driftless("apply", "--handler-timeout", "1s");

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
        assertThat(apply.out()).contains("handler web/reload: timed out after 1s\n      waiting\n",
                "box: handler web/reload timed out after 1s; it runs again on the next apply");
    }
}
