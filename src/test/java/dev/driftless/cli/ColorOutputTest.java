package dev.driftless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.Processes;
import dev.driftless.testing.TestRepo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Diffs in colour on a terminal (added green, removed red, headings bold), never in a file or a pipe, never with
 * NO_COLOR or --no-color, and always with --color=always for a pager.
 */
class ColorOutputTest {

    private static final String ESC = "\u001b[";
    private static final String GREEN = "\u001b[32m";
    private static final String RED = "\u001b[31m";
    private static final String YELLOW = "\u001b[33m";
    private static final String BOLD = "\u001b[1m";
    private static final String RESET = "\u001b[0m";

    @TempDir
    Path tmp;

    TestRepo repo;
    Path root;

    @BeforeEach
    void setUp() {
        root = tmp.resolve("root");
        repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/app/service.yaml", """
                hosts: [box]
                files:
                  - path: /etc/app.conf
                    source: app.conf
                """);
        repo.write("services/app/app.conf", "workers 2\nport 80\n");
        repo.commit("app");
        assertThat(Cli.on("apply", repo.dir(), root).exitCode()).isZero();
        repo.write("services/app/app.conf", "workers 4\nport 80\n").commit("more workers");
    }

    @Test
    void colorAlwaysPaintsAddedLinesGreenRemovedLinesRedAndHeadingsBold() {
        Cli.Result plan = Cli.on("plan", repo.dir(), root, "--color=always");

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2);
        assertThat(plan.out()).contains(BOLD + "box (local, root " + root + ") at ",
                "  " + YELLOW + "~ /etc/app.conf (app)" + RESET,
                "      " + BOLD + "--- /etc/app.conf" + RESET, "      " + BOLD + "+++ /etc/app.conf" + RESET,
                "      " + RED + "-workers 2" + RESET, "      " + GREEN + "+workers 4" + RESET,
                "       port 80\n", BOLD + "Plan: 0 to add, 1 to change, 0 to delete." + RESET);
    }

    @Test
    void outputThatIsNotATerminalHasNoEscapeCodes() {
        Cli.Result plan = Cli.on("plan", repo.dir(), root);

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2);
        assertThat(plan.out()).contains("-workers 2", "+workers 4").doesNotContain(ESC);
    }

    @Test
    void noColorWinsOverColorAlwaysAndJsonIsNeverColoured() {
        Cli.Result plain = Cli.on("check", repo.dir(), root, "--color=always", "--no-color");
        Cli.Result json = Cli.on("plan", repo.dir(), root, "--color=always", "--output", "json");

        assertThat(plain.out()).as(plain.toString()).contains("+workers 4").doesNotContain(ESC);
        assertThat(json.out()).as(json.toString()).contains("+workers 4").doesNotContain(ESC);
    }

    @Test
    void onATerminalTheDiffIsColouredUnlessNoColorIsSetToAnything() throws Exception {
        String coloured = onTerminal(Map.of(), "plan");
        String noColor = onTerminal(Map.of("NO_COLOR", "1"), "plan");
        String emptyNoColor = onTerminal(Map.of("NO_COLOR", ""), "plan");
        String dumb = onTerminal(Map.of("TERM", "dumb"), "plan");
        String overridden = onTerminal(Map.of("NO_COLOR", "1"), "plan", "--color=always");

        assertThat(coloured).contains(GREEN + "+workers 4" + RESET);
        assertThat(noColor).contains("+workers 4").doesNotContain(ESC);
        assertThat(emptyNoColor).as("NO_COLOR counts only when not empty").contains(GREEN + "+workers 4");
        assertThat(dumb).contains("+workers 4").doesNotContain(ESC);
        assertThat(overridden).as("an option on the command line wins over NO_COLOR").contains(GREEN + "+workers 4");
    }

    @Test
    void applyWithDiffPrintsTheColouredDiffItAppliedOnATerminal() throws Exception {
        String apply = onTerminal(Map.of(), "apply", "--diff");

        assertThat(apply).contains(YELLOW + "~ /etc/app.conf (app)" + RESET, RED + "-workers 2" + RESET,
                GREEN + "+workers 4" + RESET);
    }

    /**
     * Runs the real command in a pseudo-terminal (util-linux's script), where standard output is a terminal as in
     * a user's shell, with TERM=xterm-256color and the given variables; returns what the terminal showed.
     */
    private String onTerminal(Map<String, String> environment, String command, String... more) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of(command, "--repo", repo.dir().toString(), "--root",
                root.toString()));
        args.addAll(List.of(more));
        List<String> java = Processes.driftless(tmp, args.toArray(String[]::new)).command();
        String line = java.stream().map(a -> "'" + a.replace("'", "'\\''") + "'").collect(Collectors.joining(" "));
        ProcessBuilder script = new ProcessBuilder("script", "--quiet", "--return", "--command", line, "/dev/null")
                .directory(tmp.toFile()).redirectErrorStream(true).redirectInput(new java.io.File("/dev/null"));
        script.environment().remove("NO_COLOR");
        script.environment().put("TERM", "xterm-256color");
        script.environment().putAll(environment);
        Process process = Processes.start(script);
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as(out).isTrue();
        assertThat(process.exitValue()).as(out).isIn(0, 2);
        return out;
    }
}
