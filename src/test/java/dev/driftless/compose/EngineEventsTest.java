package dev.driftless.compose;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.host.Host;
import dev.driftless.host.LocalHost;
import dev.driftless.host.Shell;
import dev.driftless.testing.Command;
import dev.driftless.testing.PodmanService;
import dev.driftless.testing.StackEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link EngineEvents#script} follows on a real engine, Docker's (the test's own dockerd, by the host's
 * dockerHost) and Podman's (its own storage, the CLI found when no docker is on the PATH): the events that can leave a
 * stack's container not running, and nothing of containers of no stack.
 */
class EngineEventsTest {

    private static final long DEADLINE_SECONDS = 30;

    @TempDir
    Path temp;

    /** The events a followed script reports, as they come. */
    private static final class Followed implements AutoCloseable {
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final Host.Following following;

        Followed(String script) {
            following = new LocalHost("box", Optional.empty()).follow(script, lines::add);
        }

        /** Lines up to the first that satisfies {@code until}, within the deadline. */
        List<String> until(Function<String, Boolean> until) throws InterruptedException {
            List<String> seen = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
            String line;
            while ((line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) != null) {
                seen.add(line);
                if (until.apply(line)) {
                    return seen;
                }
            }
            throw new AssertionError("not seen within " + DEADLINE_SECONDS + " s; seen: " + seen);
        }

        List<EngineEvents.ContainerEvent> eventsUntil(String action) throws InterruptedException {
            return until(line -> EngineEvents.parse(line).filter(e -> e.action().equals(action)).isPresent()).stream()
                    .flatMap(line -> EngineEvents.parse(line).stream()).toList();
        }

        @Override
        public void close() {
            following.close();
        }
    }

    /**
     * With {@code cli} (docker or podman of the engine followed): runs a container of no stack and one of stack app,
     * kills both, removes the stack's; the events of stacks followed until the removal ({@code removed}).
     */
    private static List<EngineEvents.ContainerEvent> killAndRemove(Followed followed, String image,
            Function<List<String>, Command.Result> cli, String removed) throws InterruptedException {
        followed.until(EngineEvents.FOLLOWING::equals);
        cli.apply(List.of("run", "-d", "--network", "none", "--name", "loose", image)).orThrow();
        cli.apply(List.of("run", "-d", "--network", "none", "--name", "app_web_1", "--label", "dev.driftless.stack=app",
                image)).orThrow();
        cli.apply(List.of("kill", "loose")).orThrow();
        cli.apply(List.of("kill", "app_web_1")).orThrow();
        cli.apply(List.of("wait", "app_web_1")).orThrow();
        cli.apply(List.of("rm", "app_web_1")).orThrow();
        return followed.eventsUntil(removed);
    }

    @Test
    void dockerTellsOfAStackContainersKillDieAndDestroyOnly() throws Exception {
        try (StackEngine stacks = StackEngine.start(temp);
                Followed followed = new Followed(EngineEvents.script(Optional.of("unix://" + stacks.engine().socket())))) {
            List<EngineEvents.ContainerEvent> events = killAndRemove(followed, stacks.image().reference(),
                    args -> stacks.engine().docker(args.toArray(String[]::new)), "destroy");

            assertThat(events).containsExactly(new EngineEvents.ContainerEvent("app", "app_web_1", "kill"),
                    new EngineEvents.ContainerEvent("app", "app_web_1", "die"),
                    new EngineEvents.ContainerEvent("app", "app_web_1", "destroy"));
        }
    }

    @Test
    void podmanTellsOfAStackContainersKillDiedAndRemoveOnly() throws Exception {
        try (StackEngine stacks = StackEngine.start(temp);
                PodmanService podman = PodmanService.start(temp.resolve("podman"), stacks.registry().address())) {
            podman.podman("pull", stacks.image().reference()).orThrow();
            // a host with podman and no docker: a PATH of podman alone, and this Podman's configuration
            Path bin = Files.createDirectories(temp.resolve("bin"));
            Files.createSymbolicLink(bin.resolve("podman"), Path.of("/usr/bin/podman"));
            StringBuilder env = new StringBuilder("export PATH=" + bin);
            podman.env().forEach((name, value) -> env.append(' ').append(name).append('=').append(Shell.quote(value)));
            try (Followed followed = new Followed(env + "; " + EngineEvents.script(Optional.empty()))) {
                List<EngineEvents.ContainerEvent> events = killAndRemove(followed, stacks.image().reference(),
                        args -> podman.podman(args.toArray(String[]::new)), "remove");

                assertThat(events).containsExactly(new EngineEvents.ContainerEvent("app", "app_web_1", "kill"),
                        new EngineEvents.ContainerEvent("app", "app_web_1", "died"),
                        new EngineEvents.ContainerEvent("app", "app_web_1", "remove"));
            } finally {
                podman.podman("rm", "-f", "loose");
            }
        }
    }

    @Test
    void aHostWithNeitherEngineSaysSo() throws Exception {
        try (Followed followed = new Followed("export PATH=" + Files.createDirectories(temp.resolve("empty")) + "; "
                + EngineEvents.script(Optional.empty()))) {
            assertThat(followed.following.awaitEnd()).isEqualTo(127);
            assertThat(List.copyOf(followed.lines)).containsExactly("neither docker nor podman is on the PATH of this host");
        }
    }

    @Test
    void linesThatAreNoEventOfAStackAreNoEvents() {
        assertThat(EngineEvents.parse("Cannot connect to the Docker daemon at unix:///run/docker.sock.")).isEmpty();
        assertThat(EngineEvents.parse("{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"Attributes\":"
                + "{\"name\":\"loose\"}}}")).isEmpty();
        assertThat(EngineEvents.parse("{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"Attributes\":"
                + "{\"name\":\"app_web_1\",\"dev.driftless.stack\":\"app\"}}}"))
                .contains(new EngineEvents.ContainerEvent("app", "app_web_1", "die"));
        assertThat(EngineEvents.parse("{\"not json")).isEmpty();
    }
}
