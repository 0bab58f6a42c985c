package dev.driftless.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.model.Address;
import dev.driftless.testing.SshServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Driftless keeps OpenSSH's post-quantum key exchange (sntrup761x25519) and makes the client's key pair ahead of
 * time: the connections of one command share the pair prepared for them; one made a minute later makes its own.
 */
class PostQuantumKexTest {

    @TempDir
    Path tmp;

    @Test
    void aHostIsReachedOverThePostQuantumExchangeWithThePairMadeAhead() throws Exception {
        Path userKey = SshServer.keygen(tmp.resolve("user_key"));
        try (SshServer server = SshServer.start(tmp.resolve("sshd"), Path.of(userKey + ".pub"));
                SshConnections connections = new SshConnections(new SshSettings(Optional.of(userKey),
                        Files.writeString(tmp.resolve("known_hosts"), server.knownHostsLine() + "\n"), false,
                        Duration.ofSeconds(30), Optional.empty()))) {
            Address.Ssh address = new Address.Ssh("root", "127.0.0.1", server.port());

            SshConnections.prepare();
            assertThat(PostQuantumKex.prepared()).isTrue();
            try (SshHost host = connections.connect("web", address, Optional.empty(), Optional.empty(),
                    Optional.empty())) {
                // OpenSSH 9.2 knows it as sntrup761x25519-sha512@openssh.com, 9.9 and later by both names
                assertThat(host.keyExchange()).startsWith("sntrup761x25519-sha512");
                assertThat(host.run("echo reached", Map.of(), Duration.ofSeconds(30)).output()).isEqualTo("reached\n");
            }
            // the connections of the next minute share it (each with its own X25519 pair)
            assertThat(PostQuantumKex.prepared()).isTrue();
            var shared = PostQuantumKex.take();
            assertThat(PostQuantumKex.take()).isSameAs(shared);

            // a minute later it is dropped: the next exchange makes a pair itself
            java.util.function.LongSupplier real = PostQuantumKex.clock;
            PostQuantumKex.clock = () -> real.getAsLong() + PostQuantumKex.SHARED_FOR.toNanos();
            try {
                assertThat(PostQuantumKex.prepared()).isFalse();
                try (SshHost host = connections.connect("web", address, Optional.empty(), Optional.empty(),
                        Optional.empty())) {
                    assertThat(host.keyExchange()).startsWith("sntrup761x25519-sha512");
                    assertThat(host.run("echo again", Map.of(), Duration.ofSeconds(30)).output()).isEqualTo("again\n");
                }
                assertThat(PostQuantumKex.take()).isNotSameAs(shared);
            } finally {
                PostQuantumKex.clock = real;
            }
        }
    }
}
