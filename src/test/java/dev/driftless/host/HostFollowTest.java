package dev.driftless.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.model.Address;
import dev.driftless.testing.SshClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Host#follow} on this machine and over SSH (a real OpenSSH on 127.0.0.1): lines as the command prints them,
 * a line cut at 64 KiB, the command's end, and closing that ends the command on the host.
 */
class HostFollowTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @TempDir
    static Path dir;

    static SshClient.Fixture ssh;

    @BeforeAll
    static void startSshd() throws Exception {
        ssh = SshClient.Fixture.start(dir);
    }

    @AfterAll
    static void stopSshd() throws InterruptedException {
        ssh.close();
    }

    static Stream<String> hosts() {
        return Stream.of("local", "ssh");
    }

    private static Host connect(String kind) {
        return kind.equals("local") ? new LocalHost("box", Optional.empty())
                : ssh.connections().connect("web-1", new Address.Ssh("root", "127.0.0.1", ssh.sshd().port()), Optional.empty(),
                        Optional.empty(), Optional.empty());
    }

    private static String next(BlockingQueue<String> lines) throws InterruptedException {
        String line = lines.poll(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        assertThat(line).as("a line within " + DEADLINE.toSeconds() + " s").isNotNull();
        return line;
    }

    /** Polls until the process is gone, within the deadline. */
    private static boolean ends(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            if (ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isEmpty()) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    @ParameterizedTest
    @MethodSource("hosts")
    void linesOfOutputAndErrorComeOneByOneThenTheExitStatus(String kind) throws Exception {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        try (Host host = connect(kind);
                Host.Following following = host.follow("echo one; echo two >&2; printf 'three'; exit 3", lines::add)) {
            assertThat(following.awaitEnd()).isEqualTo(3);
        }
        assertThat(List.copyOf(lines)).containsExactly("one", "two", "three");
    }

    @ParameterizedTest
    @MethodSource("hosts")
    void aLineLongerThan64KiBIsCutThere(String kind) throws Exception {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        try (Host host = connect(kind);
                Host.Following following = host.follow("head -c 200000 /dev/zero | tr '\\0' x; echo; echo next",
                        lines::add)) {
            assertThat(following.awaitEnd()).isZero();
        }
        assertThat(List.copyOf(lines)).containsExactly("x".repeat(64 * 1024), "next");
    }

    @ParameterizedTest
    @MethodSource("hosts")
    void closingEndsTheCommandOnTheHost(String kind) throws Exception {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        try (Host host = connect(kind)) {
            Host.Following following = host.follow("echo $$; exec sleep 1000", lines::add);
            long pid = Long.parseLong(next(lines));
            assertThat(ProcessHandle.of(pid)).as("the command runs").isPresent();

            following.close();

            assertThat(ends(pid)).as("the command ended").isTrue();
            following.awaitEnd();
        }
    }

    @Test
    void aClosedConnectionEndsTheStreamAndTheCommand() throws Exception {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Host host = connect("ssh");
        Host.Following following = host.follow("echo $$; exec sleep 1000", lines::add);
        long pid = Long.parseLong(next(lines));

        host.close();

        assertThat(following.awaitEnd()).as("no exit status: the connection went").isEqualTo(-1);
        assertThat(ends(pid)).as("the command ended with its connection").isTrue();
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aHostThatStopsAnsweringEndsTheStreamInAboutTheSshTimeout() throws Exception {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Host host = connect("ssh");
        // the parent of the shell the command runs under is the sshd process of this connection: stopped, it answers
        // nothing, as a host whose power went; no FIN reaches the client
        Host.Following following = host.follow("cut -d' ' -f4 /proc/$PPID/stat; exec sleep 1000", lines::add);
        long session = Long.parseLong(next(lines));
        ProcessHandle sshdSession = ProcessHandle.of(session).orElseThrow();
        new ProcessBuilder("kill", "-STOP", Long.toString(session)).start().waitFor();
        try {
            assertThat(following.awaitEnd()).as("no exit status: the connection was given up").isEqualTo(-1);
        } finally {
            sshdSession.destroyForcibly();
            new ProcessBuilder("kill", "-CONT", Long.toString(session)).start().waitFor();
            host.close();
        }
    }
}
