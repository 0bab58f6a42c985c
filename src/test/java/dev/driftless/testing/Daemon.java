package dev.driftless.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Assumptions;

/**
 * A server that a container fixture runs in the background (dockerd, a registry, Podman's API service): started
 * with a clean environment and its output in a log file, polled until ready, stopped with SIGTERM and, after a
 * grace period, killed with its children. A JVM that ends without closing it kills it on the way out.
 */
final class Daemon {

    /** The PATH daemons get: dockerd finds containerd, runc and docker-proxy there, Podman finds conmon. */
    static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    /**
     * For an engine: any registry but one on 127.0.0.0/8 goes through a proxy that is not there, so an image
     * a test names without the test registry (busybox, say) fails at once instead of reaching for the Internet.
     */
    static final Map<String, String> LOCAL_REGISTRIES_ONLY = Map.of("HTTP_PROXY", "http://127.0.0.1:9",
            "HTTPS_PROXY", "http://127.0.0.1:9", "NO_PROXY", "127.0.0.0/8,localhost");
    private static final Duration POLL = Duration.ofMillis(20);

    private final String name;
    private final Process process;
    private final Path log;
    private final Duration grace;
    private final Thread stopAtExit;

    private Daemon(String name, Process process, Path log, Duration grace) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.grace = grace;
        this.stopAtExit = new Thread(this::terminate, "stop-" + name);
        Runtime.getRuntime().addShutdownHook(stopAtExit);
    }

    /**
     * Starts {@code command} with only {@code environment} and PATH set (nothing of the test JVM's, so no
     * DOCKER_HOST or CONTAINERS_CONF of whoever runs the tests), writing its output to {@code log}.
     */
    static Daemon start(String name, List<String> command, Map<String, String> environment, Path log, Duration grace)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().clear();
        builder.environment().put("PATH", PATH);
        builder.environment().put("HOME", "/root");
        builder.environment().putAll(environment);
        return new Daemon(name, builder.start(), log, grace);
    }

    /** Skips the calling test unless it runs as root, which every container engine here needs. */
    static void requireRoot(String what) {
        boolean root;
        try {
            // /proc/self belongs to whoever runs this JVM
            root = ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException e) {
            root = false;
        }
        Assumptions.assumeTrue(root, what + " needs root");
    }

    /** Skips the calling test when {@code program} is not installed, naming the package that brings it. */
    static void requireProgram(String program, String debianPackage) {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(program)),
                program + " is missing: scripts/test.sh installs Debian's " + debianPackage);
    }

    /**
     * Polls {@code ready} every 20 ms until it holds; returns null then, else why not (the daemon ended, or
     * {@code timeout} passed) with the end of its log.
     */
    String awaitReady(Duration timeout, BooleanSupplier ready) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (ready.getAsBoolean()) {
                return null;
            }
            if (!process.isAlive()) {
                return name + " ended with exit code " + process.exitValue() + "\n--- the end of its log\n" + logTail(20);
            }
            Thread.sleep(POLL.toMillis());
        }
        return name + " not ready within " + timeout.toSeconds() + " s\n--- the end of its log\n" + logTail(20);
    }

    /** Like {@link #awaitReady}, but a daemon that does not come up stops and skips the test with the reason. */
    void awaitReadyOrSkip(Duration timeout, BooleanSupplier ready) throws InterruptedException {
        String failure = awaitReady(timeout, ready);
        if (failure != null) {
            stop();
            Assumptions.abort(failure);
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The last lines the daemon printed. */
    String logTail(int lines) {
        try {
            List<String> all = new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /** SIGTERM, up to the grace period for the daemon to end (dockerd stops its containers), then SIGKILL. */
    void stop() {
        terminate();
        Runtime.getRuntime().removeShutdownHook(stopAtExit);
    }

    private void terminate() {
        // read before they end: a daemon's helpers (dockerd's containerd) outlive a killed parent
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        try {
            if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                return;
            }
            children.forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
