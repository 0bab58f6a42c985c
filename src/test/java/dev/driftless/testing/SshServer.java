package dev.driftless.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** A real OpenSSH server on a 127.0.0.1 port, with its own config and host key, for tests. */
public final class SshServer implements AutoCloseable {

    private final java.util.concurrent.atomic.AtomicInteger commands = new java.util.concurrent.atomic.AtomicInteger();

    private final Path dir;
    private final Path keys;
    private final int port;
    private Process process;

    private SshServer(Path dir, Path keys, int port) {
        this.dir = dir;
        this.keys = keys;
        this.port = port;
    }

    /** Starts sshd, letting in whoever holds the private key of {@code authorizedKey} (a .pub file). */
    public static SshServer start(Path dir, Path authorizedKey) throws IOException, InterruptedException {
        return start(dir, authorizedKey, Map.of());
    }

    /**
     * Starts sshd as above; its sessions get {@code environment} (sshd's SetEnv), e.g. a test engine's
     * DOCKER_HOST, so that the "remote" {@code docker} talks to it.
     */
    public static SshServer start(Path dir, Path authorizedKey, Map<String, String> environment)
            throws IOException, InterruptedException {
        environment.forEach((name, value) -> {
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*") || !value.matches("[^\\s\"'\\\\]*")) {
                throw new IllegalArgumentException("SetEnv takes a name and a value without blanks or quotes: " + name + "=" + value);
            }
        });
        Files.createDirectories(dir);
        Files.createDirectories(Path.of("/run/sshd")); // privilege separation directory
        keygen(dir.resolve("host_key"));
        // sshd reads authorized_keys as the user logging in, so it must be readable by all, in a
        // folder all may enter (a JUnit temporary folder is not)
        Path keys = Files.createTempDirectory("driftless-sshd-keys",
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")));
        Path authorizedKeys = Files.copy(authorizedKey, keys.resolve("authorized_keys"));
        // removed by close(); and when the JVM exits, for a test that never closes its server (deleted in the
        // reverse order of these calls: the file, then its folder)
        keys.toFile().deleteOnExit();
        authorizedKeys.toFile().deleteOnExit();
        Files.setPosixFilePermissions(authorizedKeys, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Files.writeString(dir.resolve("sshd_config"), String.join("\n",
                "Port " + port,
                "ListenAddress 127.0.0.1",
                "HostKey " + dir.resolve("host_key"),
                "PidFile " + dir.resolve("sshd.pid"),
                "AuthorizedKeysFile " + authorizedKeys,
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "StrictModes no",
                "UsePAM no",
                "PrintMotd no",
                "MaxSessions 50",
                "LogLevel VERBOSE",
                environment.isEmpty() ? "" : environment.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                        .sorted().collect(Collectors.joining(" ", "SetEnv ", "\n"))));
        SshServer server = new SshServer(dir, keys, port);
        server.startProcess();
        return server;
    }

    private void startProcess() throws IOException {
        process = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", dir.resolve("sshd_config").toString())
                .redirectErrorStream(true).start();
        BufferedReader log = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line;
        StringBuilder seen = new StringBuilder();
        while ((line = log.readLine()) != null) {
            seen.append(line).append('\n');
            if (line.contains("Server listening on 127.0.0.1 port " + port)) {
                Thread drain = new Thread(() -> {
                    try {
                        String next;
                        while ((next = log.readLine()) != null) {
                            if (next.contains("Starting session: command")) {
                                commands.incrementAndGet();
                            }
                        }
                    } catch (IOException e) {
                        // the server stopped
                    }
                }, "sshd-log-" + port);
                drain.setDaemon(true);
                drain.start();
                return;
            }
        }
        throw new IllegalStateException("sshd did not start:\n" + seen);
    }

    /** Creates an ed25519 key pair without a passphrase: {@code file} and {@code file.pub}. */
    public static Path keygen(Path file) throws IOException, InterruptedException {
        Process keygen = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", file.toString())
                .redirectErrorStream(true).start();
        if (keygen.waitFor() != 0) {
            throw new IllegalStateException("ssh-keygen failed: " + new String(keygen.getInputStream().readAllBytes()));
        }
        return file;
    }

    /**
     * How many commands sshd has started since it started (LogLevel VERBOSE logs each): what a client costs a host
     * whose login shell starts for every command.
     */
    public int commandsStarted() {
        return commands.get();
    }

    public int port() {
        return port;
    }

    /** This server's line for a known_hosts file. */
    public String knownHostsLine() throws IOException {
        return "[127.0.0.1]:" + port + " " + Files.readString(dir.resolve("host_key.pub")).trim();
    }

    /** The file sshd writes its pid to, so that a test can stop it from anywhere (a handler, say). */
    public Path pidFile() {
        return dir.resolve("sshd.pid");
    }

    /** Starts the server again on the same port with the same key, if it was stopped. */
    public void restart() throws IOException, InterruptedException {
        if (process.isAlive()) {
            return;
        }
        process.waitFor(10, TimeUnit.SECONDS);
        startProcess();
    }

    public void stop() throws InterruptedException {
        process.destroy();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Stops the server and removes the folder outside {@code dir} that held its authorized_keys. */
    @Override
    public void close() throws InterruptedException {
        stop();
        try {
            Files.deleteIfExists(keys.resolve("authorized_keys"));
            Files.deleteIfExists(keys);
        } catch (IOException e) {
            // removed when the JVM exits
        }
    }
}
