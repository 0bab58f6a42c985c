package dev.driftless.testing;

import dev.driftless.host.SshConnections;
import dev.driftless.host.SshSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Driftless's own SSH client for a test: it knows one test sshd's host key and logs in with the test's key. */
public final class SshClient {

    private SshClient() {
    }

    /** Connections to {@code server} with {@code userKey}, its known_hosts written into {@code dir}. */
    public static SshConnections trusting(SshServer server, Path userKey, Path dir) throws IOException {
        Path knownHosts = Files.writeString(dir.resolve("known_hosts"), server.knownHostsLine() + "\n");
        return new SshConnections(new SshSettings(Optional.of(userKey), knownHosts, false, Duration.ofSeconds(5),
                Optional.empty()));
    }

    /** A test sshd on 127.0.0.1 with a user key of its own (both in {@code dir}) and connections that trust it. */
    public record Fixture(SshServer sshd, Path userKey, SshConnections connections) {

        public static Fixture start(Path dir) throws IOException, InterruptedException {
            return start(dir, java.util.Map.of());
        }

        /** The same, the sessions getting {@code environment} (see {@link SshServer#start(Path, Path, java.util.Map)}). */
        public static Fixture start(Path dir, java.util.Map<String, String> environment)
                throws IOException, InterruptedException {
            Files.createDirectories(dir);
            Path userKey = SshServer.keygen(dir.resolve("user_key"));
            SshServer sshd = SshServer.start(dir.resolve("sshd"), dir.resolve("user_key.pub"), environment);
            return new Fixture(sshd, userKey, trusting(sshd, userKey, dir));
        }

        public void close() throws InterruptedException {
            connections.close();
            sshd.close();
        }
    }
}
