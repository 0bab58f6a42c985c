package dev.driftless.compose;

import dev.driftless.testing.Cli;
import dev.driftless.testing.SshServer;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

/**
 * A host of the compose tests reached over SSH as root: a real sshd on 127.0.0.1 whose sessions get {@code env} (its
 * SetEnv: the engine's address, a PATH, a HOME), a known_hosts file with its key, and a name of its own, whose state
 * file goes when it closes.
 */
final class SshStackHost implements AutoCloseable {

    private final String name;
    private final SshServer sshd;
    private final Path key;
    private final Path knownHosts;

    private SshStackHost(String name, SshServer sshd, Path key, Path knownHosts) {
        this.name = name;
        this.sshd = sshd;
        this.key = key;
        this.knownHosts = knownHosts;
    }

    static SshStackHost start(Path dir, String prefix, Map<String, String> env) throws Exception {
        Files.createDirectories(dir);
        Path key = SshServer.keygen(dir.resolve("user_key"));
        SshServer sshd = SshServer.start(dir.resolve("sshd"), Path.of(key + ".pub"), env);
        Path knownHosts = Files.writeString(dir.resolve("known_hosts"), sshd.knownHostsLine() + "\n");
        return new SshStackHost(prefix + "-" + UUID.randomUUID().toString().substring(0, 8), sshd, key, knownHosts);
    }

    String name() {
        return name;
    }

    /** driftless.yaml with this host alone, without a root: folder. */
    String inventory() {
        return "hosts:\n  " + name + ":\n    address: ssh://root@127.0.0.1:" + sshd.port() + "\n    identity: " + key + "\n";
    }

    Cli.Result driftless(TestRepo repo, String command) {
        return Cli.run(command, "--repo", repo.dir().toString(), "--known-hosts", knownHosts.toString());
    }

    @Override
    public void close() throws Exception {
        sshd.close();
        Files.deleteIfExists(Path.of("/var/lib/driftless/state/" + name + ".json"));
    }
}
