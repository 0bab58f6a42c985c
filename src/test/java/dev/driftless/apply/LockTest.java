package dev.driftless.apply;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Processes;
import dev.driftless.testing.TestRepo;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two applies on one host at once: the second waits for the first, saying who holds the lock. */
class LockTest {

    @TempDir
    Path tmp;

    Path root;
    Path repo;
    Path gate;

    /**
     * Starts an apply whose handler tells the test it runs, then blocks until the test opens the gate
     * (a fifo): the lock is held until then. Returns once the handler runs.
     */
    private Process startAnApplyThatHoldsTheLock() throws IOException, InterruptedException {
        root = tmp.resolve("root");
        Path started = tmp.resolve("started.fifo");
        gate = tmp.resolve("gate.fifo");
        mkfifo(started);
        mkfifo(gate);
        TestRepo test = TestRepo.init(tmp.resolve("repo"));
        test.write("driftless.yaml", "hosts:\n  web-1:\n    address: local\n");
        test.write("services/app/service.yaml", """
                hosts: [web-1]
                files:
                  - path: /etc/app.conf
                    content: "v1\\n"
                    onChange: [hold]
                handlers:
                  hold: echo started > %s && read line < %s
                """.formatted(started, gate));
        test.commit("app");
        repo = test.dir();
        Process first = Processes.start(Processes.driftless(tmp, "apply", "--repo", repo.toString(),
                "--root", root.toString()).redirectErrorStream(true));
        assertThat(Files.readString(started).trim()).isEqualTo("started"); // blocks until the handler runs
        return first;
    }

    @Test
    void aSecondApplyWaitsForTheFirstAndThenFindsNothingToDo() throws Exception {
        Process first = startAnApplyThatHoldsTheLock();

        Process second = Processes.start(Processes.driftless(tmp, "apply", "--repo", repo.toString(),
                "--root", root.toString()));
        try (BufferedReader err = new BufferedReader(new InputStreamReader(second.getErrorStream(), StandardCharsets.UTF_8))) {
            String line = err.readLine();
            assertThat(line).isEqualTo("waiting for the lock on host web-1 held by pid " + first.pid() + " (up to 600s)");
            assertThat(first.isAlive()).isTrue();
            Files.writeString(gate, "go\n");
            assertThat(first.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(first.exitValue()).as(new String(first.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .isZero();
            assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        String secondOut = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(second.exitValue()).as(secondOut).isZero();
        assertThat(secondOut).contains("nothing to do");
        assertThat(Files.readString(root.resolve("etc/app.conf"))).isEqualTo("v1\n");
    }

    @Test
    void aSecondApplyGivesUpAfterItsLockTimeoutWithAClearMessage() throws Exception {
        Process first = startAnApplyThatHoldsTheLock();

        Process second = Processes.start(Processes.driftless(tmp, "apply", "--repo", repo.toString(),
                "--root", root.toString(), "--lock-timeout", "1s").redirectErrorStream(true));
        assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Files.writeString(gate, "go\n");
        assertThat(first.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(second.exitValue()).isEqualTo(1);
        assertThat(out).contains("gave up after 1s waiting for the apply lock held by pid " + first.pid(),
                "--lock-timeout");
    }

    private static void mkfifo(Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        assertThat(p.waitFor()).isZero();
    }
}
