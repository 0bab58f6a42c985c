package dev.driftless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code --output json} a script reads one JSON document on stdout whatever happened: validate's result, and
 * for every failure an error document, with the exit codes and the text on stderr unchanged.
 */
class JsonErrorsTest {

    @TempDir
    Path tmp;

    TestRepo repo;

    @BeforeEach
    void setUp() {
        repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  web-1:\n    address: local\n");
        repo.write("services/web/service.yaml", "hosts: [web-1]\nfiles:\n  - path: /etc/web.conf\n    content: \"v1\\n\"\n");
        repo.commit("web");
    }

    private static JsonNode json(Cli.Result result) throws Exception {
        return new ObjectMapper().readTree(result.out());
    }

    @Test
    void validateSaysOkAndWhatTheRepositoryHoldsInJson() throws Exception {
        Cli.Result validate = Cli.run("validate", "--repo", repo.dir().toString(), "--output", "json");

        assertThat(validate.exitCode()).as(validate.toString()).isZero();
        JsonNode document = json(validate);
        assertThat(document.get("formatVersion").asInt()).isEqualTo(1);
        assertThat(document.get("ok").asBoolean()).isTrue();
        assertThat(document.get("problems")).isEmpty();
        assertThat(document.get("error").isNull()).isTrue();
        assertThat(document.get("hosts").asInt()).isEqualTo(1);
        assertThat(document.get("services").asInt()).isEqualTo(1);
        assertThat(document.get("resources").asInt()).isEqualTo(1);
        assertThat(document.get("secretsChecked").asBoolean()).isTrue();
        assertThat(document.get("revision").asText()).hasSize(40);
    }

    @Test
    void aRepositoryThatDoesNotValidateListsEachProblemWithFileLineAndKey() throws Exception {
        repo.write("services/web/service.yaml", "hosts: [web-1]\ndrift: fix\nfiles:\n  - path: etc/web.conf\n"
                + "    content: \"v1\\n\"\n");
        repo.commit("two mistakes");

        for (String command : new String[] {"validate", "plan", "apply", "check"}) {
            Cli.Result result = command.equals("validate")
                    ? Cli.run(command, "--repo", repo.dir().toString(), "--output", "json")
                    : Cli.on(command, repo.dir(), tmp.resolve("root"), "--output", "json");

            assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
            assertThat(result.err()).as(command).startsWith("Error: the repository does not validate (2 problems)")
                    .contains("services/web/service.yaml:2: drift:");
            JsonNode document = json(result);
            assertThat(document.get("ok").asBoolean()).isFalse();
            assertThat(document.get("kind").asText()).isEqualTo("invalid-repository");
            assertThat(document.get("error").asText()).startsWith("the repository does not validate (2 problems)");
            JsonNode drift = document.get("problems").get(0);
            assertThat(drift.get("file").asText()).isEqualTo("services/web/service.yaml");
            assertThat(drift.get("line").asInt()).isEqualTo(2);
            assertThat(drift.get("key").asText()).isEqualTo("drift");
            assertThat(drift.get("message").asText()).contains("'heal' or 'alert'");
            assertThat(document.get("problems")).hasSize(2);
        }
        assertThat(tmp.resolve("root")).doesNotExist();
    }

    @Test
    void aUsageErrorIsAJsonDocumentToo() throws Exception {
        Cli.Result plan = Cli.run("plan", "--hots", "web-1", "--output", "json");

        assertThat(plan.exitCode()).isEqualTo(1);
        assertThat(plan.err()).startsWith("Unknown options: '--hots', 'web-1'\n");
        JsonNode document = json(plan);
        assertThat(document.get("ok").asBoolean()).isFalse();
        assertThat(document.get("kind").asText()).isEqualTo("usage");
        assertThat(document.get("error").asText()).contains("--hots");

        Cli.Result text = Cli.run("plan", "--hots", "web-1");
        assertThat(text.out()).as("no document without --output json").isEmpty();
    }

    @Test
    void aMissingRepositoryAndAMissingAgeKeyAreJsonErrors() throws Exception {
        Cli.Result missing = Cli.run("plan", "--repo", tmp.resolve("nowhere").toString(), "--output=json");
        assertThat(missing.exitCode()).isEqualTo(1);
        JsonNode document = json(missing);
        assertThat(document.get("kind").asText()).isEqualTo("error");
        assertThat(document.get("error").asText()).contains("nowhere");

        repo.write("services/web/service.yaml", "hosts: [web-1]\nfiles:\n  - path: /etc/web.conf\n"
                + "    template: web.conf.peb\n");
        repo.write("services/web/web.conf.peb", "token = {{ secret('token') }}\n");
        repo.write("services/web/secrets.sops.yaml", """
                token: ENC[AES256_GCM,data:AAAA,iv:AAAAAAAAAAAAAAAAAAAAAA==,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]
                sops:
                    age:
                        - recipient: age1rhrssk5wu3hqxg3nppwzxywrrkpsqd9vnypkm5zamd7zjgdj74zse7dj37
                          enc: |
                            -----BEGIN AGE ENCRYPTED FILE-----
                            YWdlLWVuY3J5cHRpb24ub3JnL3YxCg==
                            -----END AGE ENCRYPTED FILE-----
                    lastmodified: "2026-11-30T12:00:00Z"
                    mac: ENC[AES256_GCM,data:AAAA,iv:AAAAAAAAAAAAAAAAAAAAAA==,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]
                    version: 3.9.0
                """);
        repo.commit("a secret nobody here can decrypt");
        Cli.Result noKey = Cli.on("plan", repo.dir(), tmp.resolve("root"), "--age-key",
                tmp.resolve("no-such-key.txt").toString(), "--output", "json");

        assertThat(noKey.exitCode()).as(noKey.toString()).isEqualTo(1);
        JsonNode failed = json(noKey);
        assertThat(failed.get("ok").asBoolean()).isFalse();
        assertThat(failed.toString()).contains("no-such-key.txt");
    }

    @Test
    void anUnreachableHostIsInThePlansOwnDocumentAndNoSecondDocumentFollows() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        repo.write("driftless.yaml", "hosts:\n  web-1:\n    address: ssh://deploy@127.0.0.1:" + port + "\n");
        repo.commit("a host nobody answers for");

        Cli.Result plan = Cli.run("plan", "--repo", repo.dir().toString(), "--output", "json",
                "--known-hosts", tmp.resolve("known_hosts").toString());

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(1);
        assertThat(plan.out().split("\"formatVersion\"", -1)).as("one document").hasSize(2);
        JsonNode document = json(plan);
        JsonNode host = document.get("hosts").get(0);
        assertThat(host.get("status").asText()).isEqualTo("failed");
        assertThat(host.get("error").asText()).contains("127.0.0.1");
    }

    @Test
    void aCommandThatOnlySaidItsErrorOnStderrGetsItAsADocument() throws Exception {
        Cli.Result history = Cli.run("history", "--state-dir", tmp.resolve("no-agent").toString(), "--output", "json");

        assertThat(history.exitCode()).isEqualTo(1);
        assertThat(history.err()).startsWith("Error: no history yet at ");
        JsonNode document = json(history);
        assertThat(document.get("ok").asBoolean()).isFalse();
        assertThat(document.get("kind").asText()).isEqualTo("error");
        assertThat(document.get("error").asText()).startsWith("no history yet at ");
    }
}
