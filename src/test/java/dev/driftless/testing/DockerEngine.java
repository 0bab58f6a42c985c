package dev.driftless.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A test's own Docker engine: Debian's dockerd with its data, state, socket and config under one folder, no
 * default bridge and no iptables, NAT or IP forwarding of its own, never the system's /var/run/docker.sock.
 * It starts in about 0.3 s, so each test may have its own:
 * <pre>
 * try (DockerEngine engine = DockerEngine.start(temp.resolve("docker"))) {
 *     engine.docker("run", "-d", "--network", "none", image).orThrow();
 *     engine.compose(projectDir, "-p", "app", "up", "-d").orThrow();
 * }
 * </pre>
 * An SSH host whose {@code docker} talks to it: {@code SshServer.start(dir, key, engine.env())}. A test that
 * is not root, or finds no dockerd, or whose dockerd does not come up, is skipped saying why.
 *
 * <p>Compose v1 still creates a {@code <project>_default} bridge network here (only the default bridge is
 * off), with ports published on 127.0.0.1 through docker-proxy; {@code network_mode: none} needs no network.
 */
public final class DockerEngine implements AutoCloseable {

    /** Debian's client, of the engine's version: another client earlier on PATH (a newer one in /usr/local/bin) formats differently. */
    public static final String DOCKER = "/usr/bin/docker";
    private static final String DOCKERD = "/usr/sbin/dockerd";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    // dockerd gives its containers --shutdown-timeout to stop, then itself needs a moment to end
    private static final int SHUTDOWN_TIMEOUT_SECONDS = 5;
    private static final Duration STOP_GRACE = Duration.ofSeconds(SHUTDOWN_TIMEOUT_SECONDS + 10);
    // a Unix socket path holds at most 107 bytes; the longest dockerd makes below its exec root is this one
    private static final int SOCKET_PATH_MAX = 107;
    private static final String LONGEST_SOCKET_BELOW_EXEC_ROOT = "/containerd/containerd.sock.ttrpc";

    private final Path dir;
    private final Daemon daemon;
    private final EngineApi api;
    private final Duration startTime;

    private DockerEngine(Path dir, Daemon daemon, Duration startTime) {
        this.dir = dir;
        this.daemon = daemon;
        this.api = new EngineApi(dir.resolve("docker.sock"));
        this.startTime = startTime;
    }

    /** Starts dockerd with everything under {@code dir} and returns once it answers {@code /_ping}. */
    public static DockerEngine start(Path dir) throws IOException, InterruptedException {
        Daemon.requireRoot("dockerd");
        Daemon.requireProgram(DOCKERD, "docker.io");
        Files.createDirectories(dir);
        Path execRoot = dir.resolve("exec");
        Path socket = dir.resolve("docker.sock");
        for (Path longest : List.of(Path.of(execRoot + LONGEST_SOCKET_BELOW_EXEC_ROOT), socket)) {
            if (longest.toString().getBytes().length > SOCKET_PATH_MAX) {
                throw new IllegalArgumentException("the engine's folder " + dir + " is too deep: " + longest
                        + " would pass the 107-byte limit of a Unix socket path; start it under a shorter folder (e.g. in /tmp)");
            }
        }
        // an empty config file of its own: never /etc/docker/daemon.json, whatever that sets (hosts, bridges, mirrors)
        Path config = Files.writeString(dir.resolve("daemon.json"), "{}\n");
        Path cli = Files.createDirectories(dir.resolve("cli"));
        Files.writeString(cli.resolve("config.json"), "{}\n");
        String name = "driftless-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
        List<String> command = List.of(DOCKERD,
                "--config-file", config.toString(),
                "--data-root", dir.resolve("data").toString(),
                "--exec-root", execRoot.toString(),
                "--pidfile", dir.resolve("dockerd.pid").toString(),
                "--host", "unix://" + socket,
                // no docker0, and nothing of the host's firewall or routing touched: containers get no way out
                "--bridge=none", "--iptables=false", "--ip-masq=false", "--ip-forward=false",
                // engines of tests running side by side give compose's networks different subnets
                "--default-address-pool", "base=" + addressPool() + ",size=24",
                // where a system containerd runs, dockerd uses it instead of its own: then keep to a namespace of ours
                "--containerd-namespace", name, "--containerd-plugins-namespace", name + "-plugins",
                "--shutdown-timeout", Integer.toString(SHUTDOWN_TIMEOUT_SECONDS));
        long started = System.nanoTime();
        Daemon daemon = Daemon.start("dockerd", command, Daemon.LOCAL_REGISTRIES_ONLY, dir.resolve("dockerd.log"), STOP_GRACE);
        EngineApi api = new EngineApi(socket);
        daemon.awaitReadyOrSkip(START_TIMEOUT, api::pings);
        return new DockerEngine(dir, daemon, Duration.ofNanos(System.nanoTime() - started));
    }

    /** A random /20 in 172.16.0.0/12, cut into /24 networks: 16 compose projects per engine. */
    private static String addressPool() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return "172." + (16 + random.nextInt(16)) + "." + (16 * random.nextInt(16)) + ".0/20";
    }

    /** The engine's API socket. */
    public Path socket() {
        return api.socket();
    }

    /** What a client needs to talk to this engine: {@code DOCKER_HOST=unix://…}. */
    public Map<String, String> env() {
        return Map.of("DOCKER_HOST", "unix://" + socket());
    }

    /** The engine's HTTP API, asked directly. */
    public EngineApi api() {
        return api;
    }

    /** Runs Debian's docker CLI against this engine (with a client config of its own, never ~/.docker). */
    public Command.Result docker(String... args) {
        return EngineCommand.run(cliEnv(), null, DOCKER, args);
    }

    /** Runs {@code docker-compose} (Debian's v1, 1.29) against this engine in {@code projectDir}. */
    public Command.Result compose(Path projectDir, String... args) {
        Daemon.requireProgram(EngineCommand.DOCKER_COMPOSE, "docker-compose");
        return EngineCommand.run(cliEnv(), projectDir, EngineCommand.DOCKER_COMPOSE, args);
    }

    private Map<String, String> cliEnv() {
        return Map.of("DOCKER_HOST", "unix://" + socket(), "DOCKER_CONFIG", dir.resolve("cli").toString());
    }

    /** From starting dockerd to its first answer on {@code /_ping}. */
    public Duration startTime() {
        return startTime;
    }

    /** The last lines dockerd logged. */
    public String logTail(int lines) {
        return daemon.logTail(lines);
    }

    /** dockerd's process id (its managed containerd is a child). */
    public long pid() {
        return daemon.pid();
    }

    /**
     * Stops dockerd, which stops its containers first, releases the mounts it leaves and removes its data (image
     * layers hold links out of the folder, which JUnit would warn about one by one); its log stays.
     */
    @Override
    public void close() {
        daemon.stop();
        Mounts.releaseUnder(dir);
        Command.run(EngineCommand.TIMEOUT, "rm", "-rf", "--one-file-system", dir.resolve("data").toString(),
                dir.resolve("exec").toString()).orThrow();
    }
}
