package dev.driftless.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.plan.Planner;
import dev.driftless.render.SecretLines;
import dev.driftless.testing.AgeKeys;
import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file rendered from secrets shows its diff with the lines that come from secrets masked, found by rendering it
 * again with stand-ins (not by matching values), through the real command line: the plan, the check of a hand edit,
 * the JSON and the agent's history; a file whose secret lines cannot be told apart keeps the whole-file message.
 */
class MaskedDiffTest {

    static final String TOKEN = "tok3n-first-Value-77";
    static final String ROTATED = "tok3n-second-Value-88";
    static final String MASKED = SecretLines.MASK;

    @TempDir
    Path tmp;

    Path root;
    Path keyFile;
    String recipient;
    TestRepo repo;
    final List<String> outputs = new ArrayList<>();

    @BeforeEach
    void setUp() {
        root = tmp.resolve("root");
        keyFile = tmp.resolve("keys.txt");
        recipient = AgeKeys.generate(keyFile);
        repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/app/service.yaml", """
                hosts: [box]
                files:
                  - path: /etc/app.conf
                    template: app.conf.peb
                """);
    }

    private void secrets(String plain) {
        repo.write("services/app/secrets.sops.yaml", plain);
        AgeKeys.encrypt(repo.dir().resolve("services/app/secrets.sops.yaml"), recipient);
    }

    private Cli.Result driftless(String command, String... more) {
        List<String> args = new ArrayList<>(List.of("--age-key", keyFile.toString()));
        args.addAll(List.of(more));
        Cli.Result result = Cli.on(command, repo.dir(), root, args.toArray(String[]::new));
        outputs.add(result.toString());
        return result;
    }

    @Test
    void aRotatedSecretShowsItsLineMaskedBesideTheLinesThatDoNotComeFromIt() {
        repo.write("services/app/app.conf.peb", "# app\ntoken = {{ secret('token') }}\nlisten = 8080\n");
        secrets("token: " + TOKEN + "\n");
        repo.commit("an app with a token");
        Cli.Result create = driftless("plan");
        assertThat(create.out()).contains("+# app", "+" + MASKED, "+listen = 8080").doesNotContain(Planner.SENSITIVE);
        assertThat(driftless("apply").exitCode()).isZero();

        secrets("token: " + ROTATED + "\n");
        repo.write("services/app/app.conf.peb", "# app\ntoken = {{ secret('token') }}\nlisten = 9090\n");
        repo.commit("rotate the token and move the port");
        Cli.Result plan = driftless("plan");

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2);
        // what the host has came from another revision's secrets: its changed lines are masked too
        assertThat(plan.out()).contains(" # app", "-" + MASKED, "+" + MASKED, "+listen = 9090");
        assertNoSecretIn(outputs);
    }

    @Test
    void aHandEditShowsTheHostsLinesMaskedWhereTheSecretLinesStand() throws Exception {
        repo.write("services/app/app.conf.peb", "# app\ntoken = {{ secret('token') }}\nlisten = 8080\n");
        secrets("token: " + TOKEN + "\n");
        repo.commit("an app with a token");
        assertThat(driftless("apply").exitCode()).isZero();

        Files.writeString(root.resolve("etc/app.conf"), "# app\ntoken = typed-by-hand-99\nlisten = 1234\n");
        Cli.Result check = driftless("check");
        Cli.Result json = driftless("check", "--output", "json");

        assertThat(check.exitCode()).as(check.toString()).isEqualTo(2);
        assertThat(check.out()).contains("-" + MASKED, "-listen = 1234", "+" + MASKED, "+listen = 8080")
                .doesNotContain("typed-by-hand-99");
        JsonNode change = new ObjectMapper().readTree(json.out()).get("hosts").get(0).get("changes").get(0);
        assertThat(change.get("diff").asText()).contains("-" + MASKED, "-listen = 1234", "+listen = 8080");
        assertThat(String.join("\n", outputs)).doesNotContain("typed-by-hand-99");
        assertNoSecretIn(outputs);
    }

    @Test
    void aTransformedSecretIsMaskedAsItsPlainValueIs() {
        repo.write("services/app/app.conf.peb", """
                upper = {{ secret('token') | upper }}
                encoded = {{ secret('token') | base64encode }}
                length = {{ secret('token') | length }}
                first = {{ secret('token') | first }}
                plain = 1
                """);
        secrets("token: " + TOKEN + "\n");
        repo.commit("a token, transformed");

        Cli.Result plan = driftless("plan");

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2);
        assertThat(plan.out()).contains("+plain = 1").doesNotContain("upper =", "encoded =", "length =", "first =");
        assertThat(plan.out().lines().filter(l -> l.strip().equals("+" + MASKED))).hasSize(4);
        assertNoSecretIn(outputs);
    }

    @Test
    void aSecretThatSpansLinesHasEachOfItsLinesMasked() {
        String key = "-----BEGIN FAKE KEY-----\nfake-key-body-line-A1\nfake-key-body-line-B2\n-----END FAKE KEY-----";
        repo.write("services/app/app.conf.peb", "key:\n{{ secret('key') }}\nend\n");
        secrets("key: |-\n  " + key.replace("\n", "\n  ") + "\n");
        repo.commit("a key of four lines");

        Cli.Result plan = driftless("plan");

        assertThat(plan.out()).contains("+key:", "+end").doesNotContain("BEGIN FAKE KEY", "fake-key-body", "END FAKE");
        assertThat(plan.out().lines().filter(l -> l.strip().equals("+" + MASKED))).hasSize(4);
        assertNoSecretIn(outputs);
    }

    @Test
    void aSecretThatDecidesHowManyLinesThereAreHidesTheWholeFile() {
        repo.write("services/app/app.conf.peb",
                "{% for c in secret('token') | split('') %}line {{ loop.index }}\n{% endfor %}plain = 1\n");
        secrets("token: " + TOKEN + "\n");
        repo.commit("as many lines as the token has characters");

        Cli.Result plan = driftless("plan");

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2);
        assertThat(plan.out()).contains("/etc/app.conf", Planner.SENSITIVE).doesNotContain("line 1", "plain = 1");
    }

    @Test
    void theAgentsHistoryKeepsTheMaskedDiffAndNoValue() throws Exception {
        repo.write("services/app/app.conf.peb", "token = {{ secret('token') }}\nlisten = 8080\n");
        secrets("token: " + TOKEN + "\n");
        repo.commit("an app with a token");
        assertThat(agentOnce().exitCode()).isZero();
        secrets("token: " + ROTATED + "\n");
        repo.write("services/app/app.conf.peb", "token = {{ secret('token') }}\nlisten = 9090\n");
        repo.commit("rotate the token and move the port");
        assertThat(agentOnce().exitCode()).isZero();

        Cli.Result history = Cli.run("history", "--state-dir", tmp.resolve("state").toString(), "--output", "json",
                "--diffs");
        outputs.add(history.toString());

        assertThat(history.exitCode()).as(history.toString()).isZero();
        JsonNode newest = new ObjectMapper().readTree(history.out()).get("reconciles").get(0);
        String diff = newest.get("services").get(0).get("changes").get(0).get("diff").asText();
        assertThat(diff).contains("+" + MASKED, "+listen = 9090");
        assertNoSecretIn(outputs);
        try (var files = Files.walk(tmp.resolve("state"))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)).as(file.toString())
                        .doesNotContain(TOKEN, ROTATED);
            }
        }
    }

    private Cli.Result agentOnce() {
        Cli.Result result = Cli.run("agent", "--once", "--repo", "file://" + repo.dir(), "--agent-id", "test-agent",
                "--state-dir", tmp.resolve("state").toString(), "--root", root.toString(), "--age-key",
                keyFile.toString());
        outputs.add(result.toString());
        return result;
    }

    /** No value, nor its upper case, base64 or a part of it, in anything Driftless printed. */
    private static void assertNoSecretIn(List<String> outputs) {
        String all = String.join("\n", outputs);
        for (String value : List.of(TOKEN, ROTATED)) {
            for (String shown : List.of(value, value.toUpperCase(Locale.ROOT),
                    Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)))) {
                for (int i = 0; i + 8 <= shown.length(); i++) {
                    assertThat(all).as("a part of a secret value").doesNotContain(shown.substring(i, i + 8));
                }
            }
        }
        assertThat(all).doesNotContain("= " + TOKEN.length(), "= " + ROTATED.length());
    }
}
