package dev.driftless.apply;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.testing.Cli;
import dev.driftless.testing.Processes;
import dev.driftless.testing.TestRepo;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills the apply process (SIGKILL) at random moments of a 1,000-file apply, at least 50 times: after
 * every kill each file is entirely its old or its new content, and a final apply converges.
 */
class CrashSafetyTest {

    private static final int SERVICES = 10;
    private static final int FILES_PER_SERVICE = 100;
    private static final int KILLS = 50;

    @TempDir
    Path tmp;

    @Test
    void killingApplyAtRandomMomentsNeverLeavesAHalfWrittenFileAndTheNextApplyConverges() throws Exception {
        long seed = Long.getLong("driftless.crash.seed", System.nanoTime());
        Random random = new Random(seed);
        String because = "seed " + seed + " (rerun with -Ddriftless.crash.seed=" + seed + ")";
        Path root = tmp.resolve("root");
        TestRepo repo = TestRepo.init(tmp.resolve("repo"));
        writeVersion(repo, "a");
        repo.commit("version a");
        repo.tag("a");
        writeVersion(repo, "b");
        repo.commit("version b");
        repo.tag("b");

        Cli.Result initial = Cli.on("apply", repo.dir(), root, "--ref", "a");
        assertThat(initial.exitCode()).as(initial.toString()).isZero();

        // Each apply heads for the commit the last one was heading for until one gets there, then for the other:
        // an apply killed after n changes leaves the rest still to do, so the next one almost always has more than
        // it will be allowed to finish. (Alternating each time left the second apply only the n files the first
        // one changed: half the applies ran to the end without a kill, and the test took twice as long.)
        String target = "b";
        int kills = 0;
        int attempts = 0;
        while (kills < KILLS && attempts < KILLS * 3) {
            attempts++;
            // within the first 100 changes: what a kill can catch (mid-write, between write and rename, between
            // files) is the same at change 50 as at change 500, and each change is a write and two fsyncs more
            int killAfterLines = random.nextInt(100);
            if (applyAndKill(repo.dir(), root, target, killAfterLines)) {
                kills++;
            } else {
                target = target.equals("a") ? "b" : "a";
            }
            assertEveryFileIsWhole(root, because + ", kill " + kills + " after " + killAfterLines + " lines");
        }
        assertThat(kills).as("kills that hit a running apply; " + because).isGreaterThanOrEqualTo(KILLS);

        Cli.Result last = Cli.on("apply", repo.dir(), root, "--ref", "b");
        assertThat(last.exitCode()).as(last.toString()).isZero();
        Cli.Result check = Cli.on("check", repo.dir(), root, "--ref", "b");
        assertThat(check.exitCode()).as(check.toString()).isZero();
        for (int s = 0; s < SERVICES; s++) {
            for (int f = 0; f < FILES_PER_SERVICE; f++) {
                assertThat(Files.readString(root.resolve(destination(s, f).substring(1)))).isEqualTo(content("b", s, f));
            }
        }
        try (Stream<Path> files = Files.walk(root)) {
            assertThat(files.filter(p -> p.getFileName().toString().endsWith(".driftless-tmp")).toList())
                    .as("temporary files left behind after convergence").isEmpty();
        }
    }

    /** Starts an apply and kills it once it has printed {@code lines} change lines; true if it was killed. */
    private boolean applyAndKill(Path repo, Path root, String ref, int lines) throws IOException, InterruptedException {
        ProcessBuilder builder = Processes.driftless(tmp, "apply", "--repo", repo.toString(), "--root", root.toString(),
                "--ref", ref).redirectError(ProcessBuilder.Redirect.DISCARD);
        Process process = Processes.start(builder);
        boolean killed = false;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            int seen = 0;
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("  + ") || line.startsWith("  ~ ") || line.startsWith("  - ") || line.contains(" at ")) {
                    if (seen++ >= lines && process.isAlive()) {
                        process.destroyForcibly(); // SIGKILL
                        killed = true;
                        break;
                    }
                }
            }
        }
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the apply ended").isTrue();
        if (killed && process.exitValue() == 137) {
            return true;
        }
        // it finished before the kill: an apply after any number of kills must then succeed
        assertThat(process.exitValue()).as("exit code of an apply to " + ref + " that was not killed").isZero();
        return false;
    }

    private void assertEveryFileIsWhole(Path root, String because) throws IOException {
        for (int s = 0; s < SERVICES; s++) {
            for (int f = 0; f < FILES_PER_SERVICE; f++) {
                Path file = root.resolve(destination(s, f).substring(1));
                String text = Files.readString(file);
                assertThat(text).as(file + ", " + because).isIn(content("a", s, f), content("b", s, f));
            }
        }
        Path state = root.resolve("var/lib/driftless/state/bench.json");
        if (Files.exists(state)) {
            new ObjectMapper().readTree(state.toFile()); // the state file is whole too
        }
    }

    private static void writeVersion(TestRepo repo, String version) {
        repo.write("driftless.yaml", "hosts:\n  bench:\n    address: local\nvars:\n  version: " + version + "\n");
        for (int s = 0; s < SERVICES; s++) {
            StringBuilder yaml = new StringBuilder("hosts: [bench]\nfiles:\n");
            for (int f = 0; f < FILES_PER_SERVICE; f++) {
                String name = "file-" + f + ".conf";
                yaml.append("  - path: ").append(destination(s, f)).append('\n');
                if (f % 2 == 0) {
                    yaml.append("    source: ").append(name).append('\n');
                    repo.write(serviceDir(s) + "/" + name, content(version, s, f));
                } else {
                    yaml.append("    template: ").append(name).append(".peb\n");
                    repo.write(serviceDir(s) + "/" + name + ".peb", content("{{ version }}", s, f));
                }
            }
            repo.write(serviceDir(s) + "/service.yaml", yaml.toString());
        }
    }

    private static String serviceDir(int s) {
        return "services/svc-" + s;
    }

    private static String destination(int s, int f) {
        return "/etc/crash/svc-" + s + "/file-" + f + ".conf";
    }

    /**
     * Large enough (about 7 KiB) that a torn write would show: every tenth line and the last one name the version,
     * so a file cut short, or new in one 4 KiB page and old in the next, is neither version. The other lines are
     * the same in both, which keeps the diff the planner makes of each file small (with all 200 lines differing,
     * diffing 1,000 files took most of each apply's time before its first change).
     */
    private static String content(String version, int s, int f) {
        StringBuilder text = new StringBuilder();
        for (int line = 0; line < 200; line++) {
            if (line % 10 == 0 || line == 199) {
                text.append("version ").append(version).append(' ');
            }
            text.append("service ").append(s).append(" file ").append(f).append(" line ").append(line).append('\n');
        }
        return text.toString();
    }

}
