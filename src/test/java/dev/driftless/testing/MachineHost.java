package dev.driftless.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link SystemdMachine} as a host of a test repository, reached by the real CLI over SSH as root: its key, its
 * known_hosts line (the ed25519 key only, as OpenSSH records it) and its inventory entry. One machine for a test
 * class, registered as an extension: booted before its first test (the class is skipped, saying why, where it
 * cannot boot) and powered off after its last. Tests sharing it give each its own host name, so each has its
 * own state file there and never prunes another's units.
 */
public final class MachineHost implements BeforeAllCallback, AfterAllCallback {

    private Path dir;
    private SystemdMachine machine;
    private Path key;
    private Path knownHosts;

    private MachineHost() {
    }

    /** A machine for the test class that registers it with {@code @RegisterExtension static}. */
    public static MachineHost perClass() {
        return new MachineHost();
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException, InterruptedException {
        dir = Files.createTempDirectory("driftless-machine-host");
        key = SshServer.keygen(dir.resolve("id_ed25519"));
        machine = SystemdMachine.boot(Path.of(key + ".pub"));
        knownHosts = Files.writeString(dir.resolve("known_hosts"), machine.knownHostsLine() + "\n");
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        if (machine != null) {
            machine.close();
        }
        Command.run(java.time.Duration.ofSeconds(30), "rm", "-rf", dir.toString());
    }

    public SystemdMachine machine() {
        return machine;
    }

    /** An inventory (driftless.yaml) with this machine as host {@code name}, in group {@code machine}. */
    public String inventory(String name) {
        return "hosts:\n  " + name + ":\n    address: ssh://root@127.0.0.1:" + machine.port() + "\n    identity: " + key
                + "\n    groups: [machine]\n";
    }

    /** Runs the CLI's {@code command} on {@code repo}, trusting this machine's host key. */
    public Cli.Result cli(String command, TestRepo repo, String... more) {
        List<String> args = new ArrayList<>(List.of(command, "--repo", repo.dir().toString(),
                "--known-hosts", knownHosts.toString()));
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    /** What {@code systemctl ARGS} prints inside the machine, stripped (is-active, is-enabled, show -P ...). */
    public String systemctl(String... args) {
        List<String> argv = new ArrayList<>(List.of("systemctl"));
        argv.addAll(List.of(args));
        return machine.exec(argv.toArray(String[]::new)).output().strip();
    }

    /** How many times systemd reloaded its units since the machine booted: its journal's "Reloading." lines. */
    public int reloads() {
        machine.exec("journalctl", "--sync").orThrow();
        return Integer.parseInt(machine.exec("sh", "-c", "journalctl _PID=1 -o cat --no-pager | grep -cx 'Reloading.'")
                .output().strip());
    }

    /**
     * The lines of a file as the machine sees it (read inside it: /run is the machine's own tmpfs); none when
     * it does not exist.
     */
    public List<String> lines(String absolute) {
        Command.Result cat = machine.exec("sh", "-c", "[ ! -e \"$0\" ] || cat -- \"$0\"", absolute).orThrow();
        return cat.output().lines().toList();
    }

    /** A TCP port free on 127.0.0.1 now (the machine shares the host's network). */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A tiny HTTP app in Python (the machine has python3-minimal, without http.server): {@code python3 app.py
     * CONF} reads {@code port=}, {@code status=}, {@code body=} lines, and exits 3 at once on {@code mode=exit}.
     */
    public static String appScript() {
        try (InputStream in = MachineHost.class.getResourceAsStream("/apps/tiny-http.py")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
