package dev.driftless.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Images.HealthSwitch;
import dev.driftless.testing.Images.Image;
import dev.driftless.testing.Images.Spec;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Images made from busybox, pushed to the test registry: digests, a moving tag, a healthcheck on demand. */
class ImagesTest {

    private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path temp;

    @Test
    void aPushedImageIsPulledBackWithTheSameDigestWithoutInsecureRegistryFlags() throws Exception {
        try (DockerEngine engine = DockerEngine.start(temp.resolve("docker"));
                Registry registry = Registry.start(temp.resolve("registry"))) {
            long started = System.nanoTime();
            Image image = new Images(engine, registry, temp.resolve("images")).push("app", "latest", Spec.busybox());
            System.out.println("built, imported and pushed in " + (System.nanoTime() - started) / 1_000_000 + " ms: " + image);

            engine.docker("rmi", image.reference()).orThrow();
            assertThat(engine.docker("image", "ls", "-q").orThrow().output()).as("nothing left locally").isEmpty();
            String pulled = engine.docker("pull", image.reference()).orThrow().output();

            assertThat(pulled).contains("Digest: " + image.digest());
            assertThat(engine.docker("image", "inspect", "--format", "{{.Id}} {{json .RepoDigests}}", image.reference())
                    .orThrow().output()).isEqualTo(image.id() + " [\"" + image.pinned() + "\"]\n");
            assertThat(engine.docker("run", "--rm", "--network", "none", image.pinned(), "busybox", "echo", "runs")
                    .orThrow().output()).isEqualTo("runs\n");
        }
    }

    @Test
    void pushingAnotherImageMovesTheTagAndLeavesTheFirstPullableByDigest() throws Exception {
        try (DockerEngine engine = DockerEngine.start(temp.resolve("docker"));
                Registry registry = Registry.start(temp.resolve("registry"))) {
            Images images = new Images(engine, registry, temp.resolve("images"));
            Image first = images.push("app", "latest", Spec.busybox().withFile("/etc/release", "1\n"));
            Image second = images.push("app", "latest", Spec.busybox().withFile("/etc/release", "2\n"));

            assertThat(second.digest()).isNotEqualTo(first.digest());
            assertThat(second.id()).isNotEqualTo(first.id());
            assertThat(registry.manifestDigest("app", "latest")).isEqualTo(second.digest());
            engine.docker("rmi", "-f", first.id(), second.id()).orThrow();
            engine.docker("pull", first.pinned()).orThrow();
            engine.docker("pull", second.reference()).orThrow();
            assertThat(engine.docker("run", "--rm", "--network", "none", first.pinned(), "cat", "/etc/release").orThrow().output())
                    .isEqualTo("1\n");
            assertThat(engine.docker("run", "--rm", "--network", "none", second.reference(), "cat", "/etc/release").orThrow().output())
                    .isEqualTo("2\n");
        }
    }

    @Test
    void aContainersHealthFollowsItsSwitch() throws Exception {
        try (DockerEngine engine = DockerEngine.start(temp.resolve("docker"));
                Registry registry = Registry.start(temp.resolve("registry"))) {
            Image image = new Images(engine, registry, temp.resolve("images")).push("checked", "1", Spec.busybox().withSwitchedHealth());
            HealthSwitch health = HealthSwitch.in(temp.resolve("health"));
            String id = engine.docker("run", "-d", "--network", "none", "-v", health.volume(), image.reference())
                    .orThrow().output().strip();
            long started = System.nanoTime();

            awaitHealth(engine, id, "unhealthy");
            long unhealthy = System.nanoTime();
            health.pass();
            awaitHealth(engine, id, "healthy");
            long healthy = System.nanoTime();
            health.fail();
            awaitHealth(engine, id, "unhealthy");
            System.out.println("unhealthy after " + (unhealthy - started) / 1_000_000 + " ms, healthy "
                    + (healthy - unhealthy) / 1_000_000 + " ms after the switch, unhealthy again " + (System.nanoTime() - healthy) / 1_000_000 + " ms after");

            long stopping = System.nanoTime();
            engine.docker("stop", id).orThrow();
            assertThat(Duration.ofNanos(System.nanoTime() - stopping)).as("the image ends on SIGTERM").isLessThan(Duration.ofSeconds(5));
            assertThat(engine.docker("inspect", "--format", "{{.State.ExitCode}}", id).orThrow().output()).isEqualTo("0\n");
        }
    }

    private static void awaitHealth(DockerEngine engine, String id, String status) throws InterruptedException {
        long deadline = System.nanoTime() + HEALTH_TIMEOUT.toNanos();
        String seen = "";
        while (System.nanoTime() < deadline) {
            seen = engine.docker("inspect", "--format", "{{.State.Health.Status}}", id).orThrow().output().strip();
            if (seen.equals(status)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("container " + id + " not " + status + " within " + HEALTH_TIMEOUT.toSeconds() + " s, still " + seen);
    }
}
