package dev.driftless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** --help of bootstrap, and of --as-host where hosts are chosen, as HelpTest checks the other commands. */
class BootstrapHelpTest {

    @Test
    void bootstrapExplainsEveryOptionAndItsExitCodesAndHidesTheRemoteOne() {
        Cli.Result help = Cli.run("bootstrap", "--help");

        assertThat(help.exitCode()).isZero();
        for (String option : new String[] {"--repo", "--host", "--ref", "--path", "--age-key", "--git-token-file",
            "--git-identity", "--git-known-hosts", "--listen", "--package", "--identity", "--known-hosts",
            "--accept-new-host-keys", "--ssh-timeout"}) {
            assertThat(help.out()).containsPattern(option + "[=\\s]");
        }
        assertThat(help.out()).contains("ssh://root@HOST[:PORT]").contains("Exit codes:")
                .doesNotContain("--credentials-from-stdin");
        assertThat(Cli.run("--help").out()).containsPattern("(?m)^\\s+bootstrap\\s");
    }

    @ParameterizedTest
    @ValueSource(strings = {"plan", "apply", "check", "agent"})
    void everyCommandThatChoosesHostsExplainsAsHost(String command) {
        Cli.Result help = Cli.run(command, "--help");

        assertThat(help.out()).contains("--as-host=NAME");
    }
}
