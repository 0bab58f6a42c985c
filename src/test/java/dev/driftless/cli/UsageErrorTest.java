package dev.driftless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A wrong option or value is one line saying what is wrong and where the options are, not a page of usage. */
class UsageErrorTest {

    @Test
    void anUnknownOptionIsOneLineAndAPointerToHelp() {
        Cli.Result plan = Cli.run("plan", "--hots", "web-1");

        assertThat(plan.exitCode()).isEqualTo(1);
        assertThat(plan.err()).startsWith("Unknown options: '--hots', 'web-1'\n")
                .contains("Possible solutions: --host")
                .endsWith("Run 'driftless plan --help' for the options.\n")
                .doesNotContain("Usage:");
        assertThat(plan.out()).isEmpty();
    }

    @Test
    void aBadValueIsOneLineAndAPointerToHelp() {
        Cli.Result plan = Cli.run("plan", "--output", "yaml");

        assertThat(plan.exitCode()).isEqualTo(1);
        assertThat(plan.err()).isEqualTo("Invalid value for option '--output': expected one of [text, json]"
                + " (case-sensitive) but was 'yaml'\nRun 'driftless plan --help' for the options.\n");
    }

    @Test
    void aSubcommandOfSecretsNamesItsWholeCommand() {
        Cli.Result keygen = Cli.run("secrets", "keygen", "--bogus");

        assertThat(keygen.exitCode()).isEqualTo(1);
        assertThat(keygen.err()).endsWith("Run 'driftless secrets keygen --help' for the options.\n")
                .doesNotContain("Usage:");
    }

    @Test
    void aMissingAgentOptionNamesTheAgentCommand() {
        Cli.Result agent = Cli.run("agent", "--once");

        assertThat(agent.exitCode()).isEqualTo(1);
        assertThat(agent.err()).contains("--repo").endsWith("Run 'driftless agent --help' for the options.\n")
                .doesNotContain("Usage:");
    }

    @Test
    void aBadValueInTheAgentsConfigFileNamesTheAgentCommand(@TempDir Path tmp) throws Exception {
        Path config = Files.writeString(tmp.resolve("agent.yaml"), "repo: file:///nowhere\nparallel: many\n");

        Cli.Result agent = Cli.run("agent", "--config", config.toString(), "--once");

        assertThat(agent.exitCode()).isEqualTo(1);
        assertThat(agent.err()).contains("'many'").endsWith("Run 'driftless agent --help' for the options.\n")
                .doesNotContain("Usage:");
    }

    @Test
    void anUnknownCommandIsOneLineAndAPointerToHelp() {
        Cli.Result unknown = Cli.run("plna");

        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err()).contains("Unmatched argument at index 0: 'plna'", "Did you mean: driftless plan")
                .endsWith("Run 'driftless --help' for the options.\n")
                .doesNotContain("Usage:");
    }
}
