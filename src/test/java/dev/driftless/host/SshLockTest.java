package dev.driftless.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.model.Address;
import dev.driftless.report.FailureKind;
import dev.driftless.testing.SshClient;
import dev.driftless.testing.SshServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The apply lock over SSH, held by the connection's long-lived shell (a real OpenSSH on 127.0.0.1): a second
 * connection waits for it, naming the holder, and gives up at its limit; it is free again when the holder lets it go
 * or when the holder's connection is cut; and it costs no remote command of its own.
 */
class SshLockTest {

    @TempDir
    static Path dir;

    @TempDir
    Path root;

    static SshServer sshd;
    static SshConnections connections;

    @BeforeAll
    static void startSshd() throws Exception {
        Path userKey = SshServer.keygen(dir.resolve("user_key"));
        sshd = SshServer.start(dir.resolve("sshd"), dir.resolve("user_key.pub"));
        connections = SshClient.trusting(sshd, userKey, dir);
    }

    @AfterAll
    static void stopSshd() throws InterruptedException {
        connections.close();
        sshd.close();
    }

    private SshHost connect() {
        return connections.connect("web-1", new Address.Ssh("root", "127.0.0.1", sshd.port()),
                Optional.of(root.toString()), Optional.empty(), Optional.empty());
    }

    @Test
    void aSecondConnectionWaitsNamingTheHolderGivesUpAtItsLimitAndGetsTheLockOnceItIsLetGo() throws Exception {
        Path state = Files.createDirectories(root.resolve("var/lib/driftless/state")).resolve("web-1.json");
        Files.writeString(state, "{}");
        try (SshHost first = connect(); SshHost second = connect()) {
            int before = sshd.commandsStarted();
            Host.Locked held = first.lockAndRead(Duration.ofSeconds(5), m -> { }, "/var/lib/driftless/state/web-1.json",
                    1000);
            assertThat(held.read()).hasValueSatisfying(b -> assertThat(new String(b, StandardCharsets.UTF_8))
                    .isEqualTo("{}"));
            String pid = Files.readString(root.resolve("var/lib/driftless/lock")).strip();

            List<String> said = new ArrayList<>();
            assertThatThrownBy(() -> second.lock(Duration.ofSeconds(1), said::add))
                    .isInstanceOfSatisfying(HostException.class, e -> {
                        assertThat(e.kind()).isEqualTo(FailureKind.TRANSIENT);
                        assertThat(e.getMessage()).contains("gave up after 1s waiting for the apply lock");
                    });
            assertThat(said).containsExactly("waiting for the lock on host web-1 held by pid " + pid + " (up to 1s)");

            held.close();
            try (AutoCloseable again = second.lock(Duration.ofSeconds(5), said::add)) {
                assertThat(said).as("let go: taken at once, no wait").hasSize(1);
            }
            assertThat(sshd.commandsStarted() - before).as("one shell per connection, none for the lock").isEqualTo(2);
        }
    }

    @Test
    void aLockWhoseConnectionIsCutIsFreeForTheNextApply() throws Exception {
        try (SshHost first = connect()) {
            first.lock(Duration.ofSeconds(5), m -> { });
            Process kill = new ProcessBuilder("pkill", "-KILL", "-P", Files.readString(sshd.pidFile()).strip()).start();
            assertThat(kill.waitFor()).isZero();
            assertThatThrownBy(() -> first.inspect(List.of("/etc/x"))).isInstanceOfSatisfying(HostException.class,
                    e -> assertThat(e.kind()).isEqualTo(FailureKind.TRANSIENT));
        }
        try (SshHost next = connect()) {
            List<String> said = new ArrayList<>();
            try (AutoCloseable taken = next.lock(Duration.ofSeconds(10), said::add)) {
                // the host let go of the cut connection's lock: taken at once, or after a short wait for sshd to end it
                assertThat(taken).isNotNull();
            }
        }
    }
}
