package dev.driftless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Processes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * --help of every command, as a separate process: picocli prints its warnings (an unescaped '%' in a
 * description, say) straight to the process's standard error, where no in-process capture sees them.
 */
class HelpWarningsTest {

    @TempDir
    Path tmp;

    /** Every command and subcommand, as the words that name it ("secrets keygen"); the top level is "". */
    static Stream<String> commands() {
        List<String> names = new ArrayList<>();
        collect(Main.withEveryCommand(), "", names);
        return names.stream();
    }

    private static void collect(CommandLine command, String prefix, List<String> names) {
        names.add(prefix.strip());
        command.getSubcommands().forEach((name, sub) -> collect(sub, prefix + name + " ", names));
    }

    @ParameterizedTest(name = "driftless {0} --help")
    @MethodSource("commands")
    void helpPrintsNoPicocliWarning(String command) throws Exception {
        List<String> args = new ArrayList<>(command.isEmpty() ? List.of() : List.of(command.split(" ")));
        args.add("--help");
        Process process = Processes.start(Processes.driftless(tmp, args.toArray(String[]::new)).redirectErrorStream(true));
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).contains("Usage:").doesNotContain("[picocli WARN]");
    }
}
