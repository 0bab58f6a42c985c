package dev.driftless.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.driftless.testing.Cli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** driftless completion: each shell loads the script and completes commands, options and their values. */
class CompletionCommandTest {

    @TempDir
    Path tmp;

    private Path script(String shell) throws IOException {
        Cli.Result completion = Cli.run("completion", shell);
        assertThat(completion.exitCode()).as(completion.toString()).isZero();
        return Files.writeString(tmp.resolve("driftless." + shell), completion.out());
    }

    /** Runs {@code code} in {@code shell} and returns what it printed on standard output; fails on a non-zero exit. */
    private String run(String shell, String... code) throws IOException, InterruptedException {
        Path errors = tmp.resolve(shell + ".err");
        Process process = new ProcessBuilder(shell, code[0], code[1]).redirectError(errors.toFile()).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s finished", shell).isTrue();
        assertThat(process.exitValue()).as("%s%s", output, Files.readString(errors)).isZero();
        return output;
    }

    /** What bash completes for the words of a command line, the last being the one typed. */
    private String bashCompletes(Path script, String... words) throws Exception {
        String array = String.join(" ", java.util.Arrays.stream(words).map(w -> "'" + w + "'").toList());
        return run("bash", "-c", "source " + script + " && COMP_WORDS=(" + array + ") && COMP_CWORD="
                + (words.length - 1) + " && COMP_LINE=\"${COMP_WORDS[*]}\" && COMP_POINT=${#COMP_LINE}"
                + " && _complete_driftless driftless && printf '%s\\n' \"${COMPREPLY[@]}\"");
    }

    @Test
    void bashLoadsTheScriptAndCompletesCommandsOptionsAndValues() throws Exception {
        Path script = script("bash");

        assertThat(run("bash", "-c", "source " + script + " && complete -p driftless"))
                .contains("complete -o default -F _complete_driftless driftless");
        assertThat(bashCompletes(script, "driftless", "re")).contains("render\n", "resume\n");
        assertThat(bashCompletes(script, "driftless", "plan", "--out")).isEqualTo("--output\n");
        assertThat(bashCompletes(script, "driftless", "plan", "--output", "")).contains("text\n", "json\n");
        assertThat(bashCompletes(script, "driftless", "completion", "")).contains("bash\n", "zsh\n", "fish\n");
    }

    @Test
    void zshLoadsTheBashScriptThroughBashcompinit() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/zsh")), "zsh is not installed (scripts/test.sh installs it)");
        Path script = script("zsh");

        assertThat(run("zsh", "-c", "source " + script + " && print -r -- ${_comps[driftless]}"))
                .contains("_complete_driftless");
    }

    @Test
    void fishCompletesCommandsOptionsAndValuesFromTheModel() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/fish")), "fish is not installed (scripts/test.sh installs it)");
        Path script = script("fish");

        assertThat(run("fish", "-c", "source " + script + "; complete -C 'driftless re'"))
                .contains("render\tPrint FILE of SERVICE as host H gets it", "resume\t");
        assertThat(run("fish", "-c", "source " + script + "; complete -C 'driftless plan --outp'"))
                .startsWith("--output\t");
        assertThat(run("fish", "-c", "source " + script + "; complete -C 'driftless plan --output '"))
                .contains("text\t", "json\t");
        assertThat(run("fish", "-c", "source " + script + "; complete -C 'driftless secrets '"))
                .contains("keygen\t", "encrypt\t").doesNotContain("plan\t");
    }

    @Test
    void theFishScriptNamesEachCommandsOptionsUnderItsCondition() throws IOException {
        String fish = Files.readString(script("fish"));

        assertThat(fish).contains("complete -c driftless -f -n '__fish_use_subcommand'\n",
                "complete -c driftless -n '__fish_use_subcommand' -a 'plan' -d 'Show what apply would change on each"
                        + " host: a unified diff per changed file and the summary line",
                "complete -c driftless -n '__fish_seen_subcommand_from plan' -l output -x -a 'text json' -d ",
                "complete -c driftless -n '__fish_seen_subcommand_from plan' -s r -l repo -r -d 'The repository: a local"
                        + " working tree");
        assertThat(fish).containsPattern("complete -c driftless -n '__fish_seen_subcommand_from secrets; and not"
                + " __fish_seen_subcommand_from keygen [^']*' -a 'encrypt'");
    }

    @Test
    void anUnknownShellIsAUsageError() {
        Cli.Result tcsh = Cli.run("completion", "tcsh");

        assertThat(tcsh.exitCode()).isEqualTo(1);
        assertThat(tcsh.err()).contains("expected one of [bash, zsh, fish]");
    }
}
