package dev.driftless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** --help is the first documentation a user reads: every command explains every option and its exit codes. */
class HelpTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "validate | --repo --ref --path --cache --worktree --render-timeout --render-max-size",
        "plan     | --repo --ref --path --cache --host --service --root --output --worktree --render-timeout --render-max-size --parallel --identity --known-hosts --accept-new-host-keys --ssh-timeout --ssh-agent --color --no-color",
        "apply    | --repo --ref --path --cache --host --service --root --output --lock-timeout --handler-timeout --render-timeout --render-max-size --parallel --identity --known-hosts --accept-new-host-keys --ssh-timeout --ssh-agent --color --no-color --diff",
        "agent    | --config --repo --ref --path --cache --host --root --parallel --interval --drift-interval --listen --state-dir --store --webhook-secret-file --api-token-file --git-token-file --git-identity --git-known-hosts --lock-timeout --handler-timeout --unhealthy-after --agent-id --dry-run --start-suspended --once --log-format --age-key --render-timeout --render-max-size --identity --known-hosts --accept-new-host-keys --ssh-timeout --ssh-agent",
        "check    | --repo --ref --path --cache --host --service --root --output --render-timeout --render-max-size --parallel --identity --known-hosts --accept-new-host-keys --ssh-timeout --ssh-agent --color --no-color"})
    void everyCommandExplainsEveryOptionAndItsExitCodes(String command, String options) {
        Cli.Result help = Cli.run(command, "--help");

        assertThat(help.exitCode()).isZero();
        for (String option : options.split(" ")) {
            assertThat(help.out()).containsPattern(option + "[=\\s]");
        }
        assertThat(help.out()).contains("Exit codes:");
    }

    @ParameterizedTest
    @CsvSource({"--repo", "--ref", "--path", "--cache", "--host", "--root", "--parallel", "--lock-timeout",
        "--handler-timeout", "--age-key", "--identity", "--known-hosts", "--render-timeout", "--render-max-size"})
    void theAgentAndApplyShareTheirCommonOptionsWordForWord(String option) {
        CommandLine main = Main.withEveryCommand();
        CommandLine.Model.OptionSpec agent = main.getSubcommands().get("agent").getCommandSpec().findOption(option);
        CommandLine.Model.OptionSpec apply = main.getSubcommands().get("apply").getCommandSpec().findOption(option);

        assertThat(agent).as("agent " + option).isNotNull();
        assertThat(agent.description()).isEqualTo(apply.description());
        assertThat(agent.defaultValue()).isEqualTo(apply.defaultValue());
    }

    @Test
    void theTopLevelHelpListsTheCommands() {
        Cli.Result help = Cli.run("--help");

        assertThat(help.exitCode()).isZero();
        for (String command : List.of("validate", "plan", "apply", "check", "secrets", "agent", "status", "history",
                "suspend", "resume", "rollback")) {
            assertThat(help.out()).containsPattern("(?m)^\\s+" + command + "\\s");
        }
    }

    @Test
    void aRenderSizeOrTimeThatIsNotOneIsAnErrorSayingHowToWriteIt() {
        Cli.Result size = Cli.run("validate", "--render-max-size", "32MB");
        Cli.Result time = Cli.run("validate", "--render-timeout", "0s");

        assertThat(size.exitCode()).isEqualTo(1);
        assertThat(size.err()).contains("'32MB' is not a size; write it in bytes (1048576) or with KiB, MiB or GiB"
                + " (32MiB)");
        assertThat(time.exitCode()).isEqualTo(1);
        assertThat(time.err()).contains("'0s' is no time at all");
    }

    @Test
    void aMistypedOptionExitsOneNotTwoWhichMeansChangesPending() {
        Cli.Result plan = Cli.run("plan", "--hots", "web-1");

        assertThat(plan.exitCode()).isEqualTo(1);
        assertThat(plan.err()).contains("'--hots'", "Possible solutions: --host");
    }
}
