package dev.driftless.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.CapturedLogs;
import dev.driftless.testing.Cli;
import dev.driftless.testing.Command;
import dev.driftless.testing.SshServer;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A host with several host keys (as every Debian machine has: ed25519, ecdsa, rsa) whose known_hosts line holds
 * one of them: Driftless asks the host for the key type known for it, as OpenSSH does, instead of another one
 * that would look changed.
 */
class HostKeyTypesTest {

    @TempDir
    Path tmp;

    /** Applies a repository with one file to {@code server}'s host (its root a folder of the test). */
    private Cli.Result applyOneFile(SshServer server, Path userKey, Path knownHosts) {
        TestRepo repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  web:\n    address: ssh://root@127.0.0.1:" + server.port()
                + "\n    root: " + tmp.resolve("host") + "\n    identity: " + userKey + "\n");
        repo.write("services/app/service.yaml", "hosts: [web]\nfiles:\n  - path: /etc/app.conf\n    content: \"x\\n\"\n");
        repo.commit("one file");
        return Cli.run("apply", "--repo", repo.dir().toString(), "--known-hosts", knownHosts.toString());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ed25519", "ed25519 hashed", "ecdsa", "ecdsa hashed"})
    void aHostIsReachedWhenKnownHostsHoldsOnlyOneOfItsKeyTypes(String known) throws Exception {
        Path userKey = SshServer.keygen(tmp.resolve("user_key"));
        try (SshServer server = SshServer.start(tmp.resolve("sshd"), Path.of(userKey + ".pub"))) {
            // an ecdsa key besides the ed25519 one; known_hosts has one of them, as an older OpenSSH, or
            // ssh-keyscan -t, records a host
            Path ecdsa = tmp.resolve("sshd/ecdsa_key");
            Command.run(Duration.ofSeconds(30), "ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-f", ecdsa.toString())
                    .orThrow();
            Files.writeString(tmp.resolve("sshd/sshd_config"), "HostKey " + ecdsa + "\n", StandardOpenOption.APPEND);
            server.stop();
            server.restart();
            String line = known.startsWith("ecdsa") ? "[127.0.0.1]:" + server.port() + " "
                    + Files.readString(Path.of(ecdsa + ".pub")).strip() : server.knownHostsLine();
            Path knownHosts = Files.writeString(tmp.resolve("known_hosts"), line + "\n");
            if (known.endsWith("hashed")) {
                Command.run(Duration.ofSeconds(30), "ssh-keygen", "-H", "-f", knownHosts.toString()).orThrow();
                assertThat(Files.readString(knownHosts)).startsWith("|1|");
            }
            Cli.Result apply = applyOneFile(server, userKey, knownHosts);

            assertThat(apply.exitCode()).as(apply.toString()).isZero();
            assertThat(tmp.resolve("host/etc/app.conf")).hasContent("x");
        }
    }

    @Test
    void aKeyOfTheKnownTypeThatDiffersIsStillRefusedAsChanged() throws Exception {
        Path userKey = SshServer.keygen(tmp.resolve("user_key"));
        try (SshServer server = SshServer.start(tmp.resolve("sshd"), Path.of(userKey + ".pub"))) {
            Path other = SshServer.keygen(tmp.resolve("other_host_key"));
            Path knownHosts = Files.writeString(tmp.resolve("known_hosts"), "[127.0.0.1]:" + server.port() + " "
                    + Files.readString(Path.of(other + ".pub")).strip() + "\n");
            Cli.Result apply = applyOneFile(server, userKey, knownHosts);

            assertThat(apply.exitCode()).isEqualTo(1);
            assertThat(apply.out()).contains("CHANGED");
            assertThat(tmp.resolve("host/etc/app.conf")).doesNotExist();
        }
    }

    @Test
    void linesOfOtherHostsAreNotReadSoABrokenOneDoesNotStopThisHost() throws Exception {
        Path userKey = SshServer.keygen(tmp.resolve("user_key"));
        try (SshServer server = SshServer.start(tmp.resolve("sshd"), Path.of(userKey + ".pub"))) {
            // as OpenSSH: a line is looked at only for the host it names (and the key type offered)
            Path knownHosts = Files.writeString(tmp.resolve("known_hosts"),
                    "old-box.example ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQbroken\n"
                            + "[127.0.0.1]:" + (server.port() + 1) + " ecdsa-sha2-nistp256 AAAAE2VjZHNhbroken\n"
                            + server.knownHostsLine() + "\n");
            Cli.Result apply;
            List<String> logged;
            try (CapturedLogs logs = CapturedLogs.start()) {
                apply = applyOneFile(server, userKey, knownHosts);
                logged = logs.lines();
            }

            assertThat(apply.exitCode()).as(apply.toString()).isZero();
            assertThat(tmp.resolve("host/etc/app.conf")).hasContent("x");
            // nor warned about: they were not decoded (MINA's verifier alone decodes every line, and warns)
            assertThat(apply.out() + apply.err() + logged).doesNotContain("old-box.example").doesNotContain("broken");
        }
    }
}
