package dev.driftless.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * A test's own Podman (Debian's 4.3): its storage, state and config under one folder, never the system's
 * {@code /var/lib/containers}, and {@code podman system service} answering the Docker API on a socket there.
 * The podman CLI, podman-compose and docker-compose all reach the same containers through {@link #env()}:
 * the configuration goes by CONTAINERS_CONF, CONTAINERS_STORAGE_CONF and CONTAINERS_REGISTRIES_CONF, not by
 * flags on each command.
 *
 * <p>What this machine needs: runc (crun is not installed), ulimits within the JVM's hard limits (Podman asks
 * for nofile=1048576 and runc fails with "error setting rlimit type 7"), and no network unless a test asks
 * (Podman's default network adds NAT rules to the host's firewall). podman-compose 1.0.3 makes a bridge
 * network for every project all the same: {@code networks: {default: {internal: true}}} keeps NAT off,
 * and closing sets IP forwarding back as it was. Without systemd, Podman runs no healthcheck by itself:
 * {@link #runHealthcheck} runs one. Two things stay shared with the system's Podman, as 4.3 has no setting
 * for them: pulls update {@code /var/lib/containers/cache/blob-info-cache-v1.boltdb} (which registry has which
 * blob) and bridge networks keep their addresses in {@code /run/containers/networks}. A test that is not root
 * or finds no podman is skipped saying why.
 */
public final class PodmanService implements AutoCloseable {

    private static final String PODMAN = "/usr/bin/podman";
    private static final String PODMAN_COMPOSE = "/usr/bin/podman-compose";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final Path IP_FORWARD = Path.of("/proc/sys/net/ipv4/ip_forward");

    private final Path dir;
    private final Daemon daemon;
    private final EngineApi api;
    private final Duration startTime;
    private final String ipForward;

    private PodmanService(Path dir, Daemon daemon, Duration startTime, String ipForward) {
        this.dir = dir;
        this.daemon = daemon;
        this.api = new EngineApi(dir.resolve("podman.sock"));
        this.startTime = startTime;
        this.ipForward = ipForward;
    }

    /**
     * Starts Podman's API service with everything under {@code dir}; images from {@code insecureRegistries}
     * (e.g. a {@link Registry#address()}) are pulled over plain HTTP.
     */
    public static PodmanService start(Path dir, String... insecureRegistries) throws IOException, InterruptedException {
        Daemon.requireRoot("podman");
        Daemon.requireProgram(PODMAN, "podman");
        Files.createDirectories(dir);
        writeConfig(dir, insecureRegistries);
        Map<String, String> env = environment(dir);
        Command.Result info = EngineCommand.run(env, null, PODMAN, "info", "--format", "{{.Host.OCIRuntime.Name}}");
        Assumptions.assumeTrue(info.exitCode() == 0, "podman cannot run here: " + info);

        Path socket = dir.resolve("podman.sock");
        String ipForward = Files.readString(IP_FORWARD);
        long started = System.nanoTime();
        Daemon daemon = Daemon.start("podman system service", List.of(PODMAN, "system", "service", "--time=0",
                "unix://" + socket), env, dir.resolve("podman.log"), STOP_GRACE);
        daemon.awaitReadyOrSkip(START_TIMEOUT, new EngineApi(socket)::pings);
        return new PodmanService(dir, daemon, Duration.ofNanos(System.nanoTime() - started), ipForward);
    }

    private static void writeConfig(Path dir, String... insecureRegistries) throws IOException {
        Files.writeString(dir.resolve("storage.conf"), String.join("\n",
                "[storage]",
                "driver = \"overlay\"",
                "graphroot = \"" + dir.resolve("root") + "\"",
                "runroot = \"" + dir.resolve("run") + "\"",
                ""));
        Files.writeString(dir.resolve("containers.conf"), String.join("\n",
                "[containers]",
                "netns = \"none\"",
                // Podman hands the host's proxy variables to containers; ours are only there to keep pulls local
                "http_proxy = false",
                "default_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]",
                "[engine]",
                "runtime = \"runc\"",
                "cgroup_manager = \"cgroupfs\"",
                "tmp_dir = \"" + dir.resolve("tmp") + "\"",
                "static_dir = \"" + dir.resolve("root/libpod") + "\"",
                "volume_path = \"" + dir.resolve("root/volumes") + "\"",
                "events_logger = \"file\"",
                "events_logfile_path = \"" + dir.resolve("events.log") + "\"",
                "[network]",
                "network_config_dir = \"" + dir.resolve("networks") + "\"",
                ""));
        StringBuilder registries = new StringBuilder("# short names would be looked up on the Internet\n"
                + "unqualified-search-registries = []\n");
        for (String registry : insecureRegistries) {
            registries.append("[[registry]]\nlocation = \"").append(registry).append("\"\ninsecure = true\n");
        }
        Files.writeString(dir.resolve("registries.conf"), registries.toString());
    }

    private static Map<String, String> environment(Path dir) {
        Map<String, String> env = new HashMap<>(Daemon.LOCAL_REGISTRIES_ONLY);
        env.put("CONTAINERS_CONF", dir.resolve("containers.conf").toString());
        env.put("CONTAINERS_STORAGE_CONF", dir.resolve("storage.conf").toString());
        env.put("CONTAINERS_REGISTRIES_CONF", dir.resolve("registries.conf").toString());
        return Map.copyOf(env);
    }

    /** The Docker-compatible API socket. */
    public Path socket() {
        return api.socket();
    }

    /** What podman, podman-compose and Docker clients need to reach this Podman: its config files and DOCKER_HOST. */
    public Map<String, String> env() {
        Map<String, String> env = new HashMap<>(environment(dir));
        env.put("DOCKER_HOST", "unix://" + socket());
        return Map.copyOf(env);
    }

    /** The service's Docker-compatible HTTP API, asked directly. */
    public EngineApi api() {
        return api;
    }

    public Command.Result podman(String... args) {
        return EngineCommand.run(env(), null, PODMAN, args);
    }

    /** Runs {@code podman-compose} (Debian's 1.0.3) in {@code projectDir}. */
    public Command.Result compose(Path projectDir, String... args) {
        Daemon.requireProgram(PODMAN_COMPOSE, "podman-compose");
        return EngineCommand.run(env(), projectDir, PODMAN_COMPOSE, args);
    }

    /** Runs {@code docker-compose} (v1) in {@code projectDir} against this Podman's Docker API. */
    public Command.Result dockerCompose(Path projectDir, String... args) {
        Daemon.requireProgram(EngineCommand.DOCKER_COMPOSE, "docker-compose");
        return EngineCommand.run(env(), projectDir, EngineCommand.DOCKER_COMPOSE, args);
    }

    /** Runs {@code container}'s healthcheck once, as the systemd timer Podman wants (and this machine lacks) would. */
    public Command.Result runHealthcheck(String container) {
        return podman("healthcheck", "run", container);
    }

    /** From starting the service to its first answer on {@code /_ping}. */
    public Duration startTime() {
        return startTime;
    }

    /**
     * Removes every container (they run under conmon and would outlive the service), stops the service,
     * releases the mounts left in the folder, removes the storage and sets IP forwarding back as it found it.
     */
    @Override
    public void close() throws IOException {
        try {
            podman("rm", "--all", "--force", "--time", "0");
        } finally {
            daemon.stop();
            Mounts.releaseUnder(dir);
            if (removeStorage().exitCode() != 0) {
                // a container's conmon, still ending, holds the overlay mount in its own mount namespace (seen once
                // in CI: "Device or resource busy"): once no process names this folder, release and remove again
                awaitNoProcessNaming(dir);
                Mounts.releaseUnder(dir);
                removeStorage().orThrow();
            }
            // netavark turns it on for any bridge network, and podman-compose 1.0.3 always makes one
            if (!Files.readString(IP_FORWARD).equals(ipForward)) {
                Files.writeString(IP_FORWARD, ipForward);
            }
        }
    }

    private Command.Result removeStorage() {
        return Command.run(EngineCommand.TIMEOUT, "rm", "-rf", "--one-file-system", dir.resolve("root").toString(),
                dir.resolve("run").toString(), dir.resolve("tmp").toString());
    }

    /** Waits (30 s at most) until no process has this folder on its command line: conmon names its storage. */
    private static void awaitNoProcessNaming(Path dir) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (Command.run(EngineCommand.TIMEOUT, "pgrep", "-f", "--", dir.toString()).exitCode() == 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("processes still use " + dir + " 30 s after podman stopped");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(100));
        }
    }
}
