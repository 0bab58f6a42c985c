package dev.driftless.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.testing.AgeKeys;
import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code validate --no-secrets} checks a repository with secrets where no key is (a pull request from a fork, a
 * pre-commit hook), and a private age key committed to the repository is refused by validate, plan and apply.
 */
class ValidateWithoutKeysTest {

    static final String TOKEN = "n0-key-needed-token-31";

    @TempDir
    Path tmp;

    TestRepo repo;
    Path keyFile;

    @BeforeEach
    void setUp() throws Exception {
        keyFile = tmp.resolve("keys.txt");
        String recipient = AgeKeys.generate(keyFile);
        repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/app/service.yaml", """
                hosts: [box]
                files:
                  - path: /etc/app.conf
                    template: app.conf.peb
                  - path: /etc/app.key
                    secret: app.key.sops
                """);
        repo.write("services/app/app.conf.peb", "token = {{ secret('token') | upper }}\n");
        repo.write("services/app/secrets.sops.yaml", "token: " + TOKEN + "\n");
        repo.write("services/app/app.key.sops", "a whole secret file\n");
        AgeKeys.encrypt(repo.dir().resolve("services/app/secrets.sops.yaml"), recipient);
        AgeKeys.encrypt(repo.dir().resolve("services/app/app.key.sops"), recipient);
        repo.commit("an app with secrets");
        Files.delete(keyFile); // from here on, as on a fork's CI runner: no key anywhere
    }

    private Cli.Result validate(String... more) {
        String[] args = new String[more.length + 4];
        args[0] = "validate";
        args[1] = "--repo";
        args[2] = repo.dir().toString();
        args[3] = "--age-key=" + tmp.resolve("absent.txt");
        System.arraycopy(more, 0, args, 4, more.length);
        return Cli.run(args);
    }

    @Test
    void withoutTheKeyValidateFailsAndNoSecretsChecksTheRestAndSaysSo() throws Exception {
        assertThat(validate().exitCode()).isEqualTo(1);

        Cli.Result noSecrets = validate("--no-secrets");

        assertThat(noSecrets.exitCode()).as(noSecrets.toString()).isZero();
        assertThat(noSecrets.out()).startsWith("Valid: 1 host, 1 service, 2 resources at ");
        assertThat(noSecrets.err()).contains("secrets were not checked");
        JsonNode json = new ObjectMapper().readTree(validate("--no-secrets", "--output", "json").out());
        assertThat(json.get("ok").asBoolean()).isTrue();
        assertThat(json.get("secretsChecked").asBoolean()).isFalse();
    }

    @Test
    void noSecretsStillFindsTemplateMistakesAndSecretNamesThatDoNotExist() {
        repo.write("services/app/app.conf.peb", "token = {{ secret('tokn') }}\n{{ undefined_thing }}\n");
        repo.commit("two typos");

        Cli.Result result = validate("--no-secrets");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).contains("services/app/app.conf.peb:1", "no secret named 'tokn'");
    }

    @Test
    void noSecretsRefusesASecretFileThatIsNotEncrypted() {
        repo.write("services/app/app.key.sops", "committed in the clear\n");
        repo.commit("oops");

        Cli.Result result = validate("--no-secrets");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).contains("services/app/app.key.sops", "not encrypted")
                .doesNotContain("committed in the clear");
    }

    @Test
    void aCommittedPrivateAgeKeyIsRefusedWithItsPathAndLineAndNeverShown() throws Exception {
        Path key = tmp.resolve("leaked.txt");
        AgeKeys.generate(key);
        String identity = Files.readString(key);
        String secretLine = identity.lines().filter(l -> l.startsWith("AGE-SECRET-KEY-1")).findFirst().orElseThrow();
        repo.write("services/app/keys.txt", identity);
        repo.write("README.md", "Keys look like AGE-SECRET-KEY-1... and never belong here.\n");
        repo.commit("a key where it must not be");

        Cli.Result validate = validate("--no-secrets");
        Cli.Result plan = Cli.on("plan", repo.dir(), tmp.resolve("root"), "--output", "json");

        assertThat(validate.exitCode()).isEqualTo(1);
        int line = identity.lines().toList().indexOf(secretLine) + 1;
        assertThat(validate.err()).contains("services/app/keys.txt:" + line + ": holds a private age key")
                .doesNotContain("README.md");
        assertThat(plan.exitCode()).isEqualTo(1);
        assertThat(plan.out()).contains("services/app/keys.txt", "invalid-repository");
        assertThat(validate + plan.toString()).doesNotContain(secretLine.substring("AGE-SECRET-KEY-1".length()));
        assertThat(tmp.resolve("root")).doesNotExist();
    }

    @Test
    void theBundledExampleKeepsItsDemoKeyOutsideItsRepositoryAndValidates() {
        Path example = Path.of("examples/homelab").toAbsolutePath();
        Cli.Result result = Cli.run("validate", "--repo", example.toString(), "--age-key",
                Path.of("examples/demo-age-key.txt").toAbsolutePath().toString());

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(example.resolve("demo-age-key.txt")).doesNotExist();
    }
}
