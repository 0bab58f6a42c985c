package dev.driftless.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.model.Address;
import dev.driftless.testing.SshServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A command run on an SSH host (a handler, a health check, apt-get) has its own time limit, which may be longer
 * than --ssh-timeout: the connection's timeout is for a host that stops answering, not for a command that works.
 */
class SshCommandTimeoutTest {

    private static final Duration SSH_TIMEOUT = Duration.ofSeconds(2);

    @TempDir
    Path tmp;

    @Test
    void aCommandLongerThanTheSshTimeoutRunsToItsEndWithinItsOwnLimit() throws Exception {
        Path userKey = SshServer.keygen(tmp.resolve("user_key"));
        try (SshServer server = SshServer.start(tmp.resolve("sshd"), Path.of(userKey + ".pub"));
                SshConnections connections = new SshConnections(new SshSettings(Optional.of(userKey),
                        Files.writeString(tmp.resolve("known_hosts"), server.knownHostsLine() + "\n"), false,
                        SSH_TIMEOUT, Optional.empty()));
                SshHost host = connections.connect("web", new Address.Ssh("root", "127.0.0.1", server.port()),
                        Optional.empty(), Optional.empty(), Optional.empty())) {
            // twice the SSH timeout, well within the command's own minute
            CommandResult handler = host.run("sleep 4; echo done", Map.of(), Duration.ofMinutes(1));
            assertThat(handler.timedOut()).isFalse();
            assertThat(handler.exitCode()).isZero();
            assertThat(handler.output()).isEqualTo("done\n");

            // the same for a health check's command, which runs in the round trip that inspects the files
            Host.Inspection checked = host.inspectAndRun(List.of("/etc/hostname"), Map.of(), "sleep 4; echo healthy",
                    Duration.ofMinutes(1));
            assertThat(checked.ran().output()).isEqualTo("healthy\n");

            // and a command's own limit still ends it
            CommandResult hung = host.run("sleep 60", Map.of(), Duration.ofSeconds(1));
            assertThat(hung.timedOut()).isTrue();
        }
    }
}
