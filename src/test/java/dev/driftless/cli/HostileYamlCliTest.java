package dev.driftless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every YAML file Driftless reads from a commit or is handed on the command line is read within the same
 * limits: a file nested 20,000 deep or an alias bomb is an error naming file, line and key, never a
 * StackOverflowError that takes the process down.
 */
class HostileYamlCliTest {

    private static final String DEEP = "[".repeat(20_000) + "]".repeat(20_000);

    @TempDir
    Path tmp;

    @Test
    void validateReportsADeeplyNestedDriftlessYamlWithItsLine() {
        try (TestRepo repo = TestRepo.init(tmp.resolve("repo"))) {
            repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\nvars:\n  deep: " + DEEP + "\n").commit("deep");
        }

        Cli.Result result = Cli.run("validate", "--repo", tmp.resolve("repo").toString());

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).contains("driftless.yaml:5: vars.deep", "more than 64 levels deep")
                .doesNotContain("StackOverflow");
    }

    @Test
    void validateReportsADeeplyNestedSopsFileOfACommitWithItsLine() {
        try (TestRepo repo = TestRepo.init(tmp.resolve("repo"))) {
            repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n")
                    .write("services/app/service.yaml", "hosts: [box]\nfiles:\n  - path: /etc/app/db.yaml\n"
                            + "    secret: db.sops.yaml\n")
                    .write("services/app/db.sops.yaml", "user: admin\npassword: " + DEEP + "\n")
                    .commit("deep secret");
        }

        Cli.Result result = Cli.run("validate", "--repo", tmp.resolve("repo").toString());

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).contains("services/app/service.yaml:3: files[0].secret",
                "services/app/db.sops.yaml:2: password", "more than 64 levels deep").doesNotContain("StackOverflow");
    }

    @Test
    void agentRefusesADeeplyNestedConfigFileWithItsLine() throws Exception {
        Path config = Files.writeString(tmp.resolve("agent.yaml"), "repo: file:///nowhere\nhost: " + DEEP + "\n");

        Cli.Result result = Cli.run("agent", "--config", config.toString(), "--once");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).contains("--config " + config + ":2: host", "more than 64 levels deep")
                .doesNotContain("StackOverflow");
    }

    @Test
    void agentRefusesAConfigFileWhoseAliasesExpandToMillionsOfValues() throws Exception {
        // each item of a setting given as a list becomes one command-line argument, written out in full
        StringBuilder hosts = new StringBuilder("repo: file:///nowhere\nhost:\n  - &a0 [x]\n");
        for (int i = 1; i <= 22; i++) {
            hosts.append("  - &a").append(i).append(" [*a").append(i - 1).append(", *a").append(i - 1).append("]\n");
        }
        Path config = Files.writeString(tmp.resolve("agent.yaml"), hosts);

        Cli.Result result = Cli.run("agent", "--config", config.toString(), "--once");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).contains("--config " + config + ":19: host[16]", "expands to more than 100,000");
    }

    @Test
    void secretsEncryptRefusesADeeplyNestedSopsConfigWithItsLine() throws Exception {
        Files.writeString(tmp.resolve(".sops.yaml"), "creation_rules:\n  - path_regex: " + DEEP + "\n");
        Path secret = Files.writeString(tmp.resolve("secrets.sops.yaml"), "password: hunter2-but-longer\n");

        Cli.Result result = Cli.run("secrets", "encrypt", secret.toString());

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).contains(tmp.resolve(".sops.yaml") + ":2: creation_rules[0].path_regex",
                "more than 64 levels deep").doesNotContain("StackOverflow");
    }
}
