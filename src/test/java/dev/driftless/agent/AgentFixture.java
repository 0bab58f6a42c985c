package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.host.SshSettings;
import dev.driftless.secrets.AgeKeyring;
import dev.driftless.source.RepoSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Agent settings for tests: everything under one temporary folder, intervals long enough never to fire. */
final class AgentFixture {

    private AgentFixture() {
    }

    /** Watches {@code url}; state in {@code tmp/state}, hosts under {@code tmp/root}. */
    static AgentSettings settings(String url, Path tmp) {
        return settings(url, Optional.empty(), tmp, Optional.empty(), RepoSource.GitAuth.none());
    }

    static AgentSettings settings(String url, Optional<String> ref, Path tmp, Optional<Path> ageKey,
            RepoSource.GitAuth git) {
        return settings(url, ref, tmp, ageKey, git, tmp.resolve("root"), tmp.resolve("state"),
                dev.driftless.render.RenderLimits.DEFAULT);
    }

    /** With the hosts' root, the agent's state folder and the render limits chosen. */
    static AgentSettings settings(String url, Path tmp, Path root, Path stateDir, dev.driftless.render.RenderLimits render) {
        return settings(url, Optional.empty(), tmp, Optional.empty(), RepoSource.GitAuth.none(), root, stateDir, render);
    }

    private static AgentSettings settings(String url, Optional<String> ref, Path tmp, Optional<Path> ageKey,
            RepoSource.GitAuth git, Path root, Path stateDir, dev.driftless.render.RenderLimits render) {
        return new AgentSettings(url, ref, Optional.empty(), List.of(), Duration.ofHours(1), Duration.ofHours(1),
                stateDir, Optional.of(root),
                new SshSettings(Optional.empty(), tmp.resolve("known_hosts"), false, Duration.ofSeconds(5),
                        Optional.empty()),
                // HOME points into tmp, so no age key of the machine's user is picked up
                new AgeKeyring(ageKey, Map.of("HOME", tmp.toString())), 4, Duration.ofSeconds(10),
                Duration.ofSeconds(60), git, Duration.ofMinutes(30), render, List.of(stateDir), "test-agent", false, false,
                stateDir.resolve("cache"));
    }

    /** The same settings under another agent name, planning only ({@code --dry-run}) or starting suspended. */
    static AgentSettings with(AgentSettings s, String agent, boolean dryRun, boolean startSuspended) {
        return new AgentSettings(s.repo(), s.ref(), s.path(), s.hosts(), s.interval(), s.driftInterval(), s.stateDir(),
                s.root(), s.ssh(), s.keys(), s.parallel(), s.lockTimeout(), s.handlerTimeout(), s.git(),
                s.unhealthyAfter(), s.render(), s.protectedPaths(), agent, dryRun, startSuspended, s.cache());
    }

    /**
     * A handler that holds a reconcile until the test lets it go: it says "running" on one named pipe,
     * then waits on another.
     */
    record Gate(Path ready, Path go) {

        static Gate in(Path dir) throws Exception {
            Gate gate = new Gate(dir.resolve("ready.fifo"), dir.resolve("go.fifo"));
            mkfifo(gate.ready, gate.go);
            return gate;
        }

        /** The shell command of a handler that waits at this gate. */
        String command() {
            return "echo running > " + ready + " && cat " + go + " > /dev/null";
        }

        /** Returns once a handler is waiting at the gate. */
        void awaitRunning() throws Exception {
            try (java.io.BufferedReader reader = java.nio.file.Files.newBufferedReader(ready)) {
                assertThat(reader.readLine()).isEqualTo("running");
            }
        }

        /**
         * Returns once a handler of {@code process} is waiting at the gate; fails, instead of waiting forever on the
         * pipe, when the process ends before one does (it could not start, or died).
         */
        void awaitRunning(Process process) throws Exception {
            // opening the pipe's other end when the process ends lets the read below see its end instead of hanging
            java.util.concurrent.CompletableFuture<Void> unblock = process.onExit().thenAccept(p -> {
                try (java.io.OutputStream end = java.nio.file.Files.newOutputStream(ready)) {
                    end.flush();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try (java.io.BufferedReader reader = java.nio.file.Files.newBufferedReader(ready)) {
                assertThat(reader.readLine()).as("the process ended (exit %s) before a handler reached the gate",
                        process.isAlive() ? "-" : String.valueOf(process.exitValue())).isEqualTo("running");
            } finally {
                unblock.cancel(false);
            }
        }

        /** Lets the waiting handler go on. */
        void release() throws Exception {
            try (java.io.OutputStream release = java.nio.file.Files.newOutputStream(go)) {
                release.flush();
            }
        }
    }

    /**
     * An agent's loop on its own thread, and the cycles it reports ("fetch", "drift", "failed"), for
     * tests to wait on. Closing it stops the loop and waits for the thread to end.
     */
    static final class Loop implements AutoCloseable {
        private final Agent agent;
        private final java.util.concurrent.BlockingQueue<String> cycles = new java.util.concurrent.LinkedBlockingQueue<>();
        private final Thread thread;

        Loop(Agent agent) {
            this.agent = agent;
            agent.onCycle(cycles::add);
            thread = new Thread(agent::run, "agent-loop");
            thread.start();
        }

        /** The next cycle the loop finishes, waiting up to a minute (null when none came). */
        String next() throws InterruptedException {
            return cycles.poll(60, java.util.concurrent.TimeUnit.SECONDS);
        }

        /** The next cycle, waiting no more than {@code seconds} (null when none came). */
        String next(int seconds) throws InterruptedException {
            return cycles.poll(seconds, java.util.concurrent.TimeUnit.SECONDS);
        }

        /** How many cycles of {@code kind} the loop finishes within {@code window} from now (waits it out). */
        int count(String kind, Duration window) throws InterruptedException {
            long deadline = System.nanoTime() + window.toNanos();
            int count = 0;
            for (long left = window.toNanos(); left > 0; left = deadline - System.nanoTime()) {
                String cycle = cycles.poll(left, java.util.concurrent.TimeUnit.NANOSECONDS);
                if (kind.equals(cycle)) {
                    count++;
                }
            }
            return count;
        }

        /** Waits up to {@code seconds} for the loop to finish a cycle of {@code kind}; false when none came. */
        boolean await(String kind, int seconds) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
                if (kind.equals(cycles.poll(left, java.util.concurrent.TimeUnit.NANOSECONDS))) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void close() throws InterruptedException {
            agent.stop();
            thread.join(60_000);
            assertThat(thread.isAlive()).as("the loop ends when stopped").isFalse();
        }
    }

    /** Named pipes a handler uses to say it is running and to wait until the test lets it go. */
    static void mkfifo(Path... fifos) throws Exception {
        for (Path fifo : fifos) {
            assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        }
    }
}
