package dev.driftless.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.testing.Images.HealthSwitch;
import dev.driftless.testing.Images.Image;
import dev.driftless.testing.Images.Spec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A test's own Podman: its Docker API, the test registry's images, podman-compose and docker-compose on it. */
class PodmanServiceTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    @Test
    void servesTheDockerApiFromStorageOfItsOwn() throws Exception {
        Path dir = temp.resolve("podman");
        try (PodmanService podman = PodmanService.start(dir)) {
            System.out.println("podman system service answered /_ping after " + podman.startTime().toMillis() + " ms");
            JsonNode version = JSON.readTree(podman.api().get("/version").orThrow().body());

            assertThat(version.get("ApiVersion").asText()).isEqualTo("1.41");
            assertThat(version.get("Version").asText()).startsWith("4.3.");
            assertThat(podman.podman("info", "--format", "{{.Store.GraphRoot}} {{.Store.RunRoot}} {{.Host.OCIRuntime.Name}}")
                    .orThrow().output()).isEqualTo(dir.resolve("root") + " " + dir.resolve("run") + " runc\n");
        }
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).as("mounts left").doesNotContain(dir.toString());
    }

    @Test
    void pullsTheImageDockerPushedWithTheSameDigest() throws Exception {
        try (DockerEngine engine = DockerEngine.start(temp.resolve("docker"));
                Registry registry = Registry.start(temp.resolve("registry"));
                PodmanService podman = PodmanService.start(temp.resolve("podman"), registry.address())) {
            Image image = new Images(engine, registry, temp.resolve("images")).push("app", "latest",
                    Spec.busybox().withFile("/etc/release", "1\n"));

            podman.podman("pull", image.reference()).orThrow();

            assertThat(podman.podman("image", "inspect", "--format", "{{.Id}} {{.Digest}}", image.reference()).orThrow().output())
                    .as("the same image ID (its config's digest) and manifest digest as Docker's")
                    .isEqualTo(image.id().substring("sha256:".length()) + " " + image.digest() + "\n");
            assertThat(podman.podman("run", "--rm", image.pinned(), "cat", "/etc/release").orThrow().output()).isEqualTo("1\n");
        }
    }

    @Test
    void podmanComposeBringsAProjectUpOnAnInternalNetworkLabelledAndDown() throws Exception {
        try (DockerEngine engine = DockerEngine.start(temp.resolve("docker"));
                Registry registry = Registry.start(temp.resolve("registry"));
                PodmanService podman = PodmanService.start(temp.resolve("podman"), registry.address())) {
            Image image = new Images(engine, registry, temp.resolve("images")).push("app", "latest", Spec.busybox());
            Path project = Files.createDirectories(temp.resolve("app"));
            StringBuilder file = new StringBuilder("version: \"3.7\"\nservices:\n");
            for (String service : List.of("web", "worker", "db")) {
                file.append("  ").append(service).append(":\n    image: ").append(image.reference()).append('\n');
            }
            // podman-compose 1.0.3 gives every project a bridge network; internal: no NAT rules in the host's firewall
            file.append("networks:\n  default:\n    internal: true\n");
            Files.writeString(project.resolve("docker-compose.yml"), file.toString());

            long started = System.nanoTime();
            podman.compose(project, "-p", "app", "up", "-d").orThrow();
            long up = System.nanoTime() - started;

            assertThat(podman.podman("ps", "--filter", "label=com.docker.compose.project=app", "--format", "{{.Names}}")
                    .orThrow().output().lines().sorted()).containsExactly("app_db_1", "app_web_1", "app_worker_1");
            JsonNode labels = JSON.readTree(podman.podman("inspect", "--format", "{{json .Config.Labels}}", "app_web_1")
                    .orThrow().output());
            assertThat(labels.get("com.docker.compose.project").asText()).isEqualTo("app");
            assertThat(labels.get("com.docker.compose.service").asText()).isEqualTo("web");
            assertThat(labels.get("com.docker.compose.container-number").asText()).isEqualTo("1");
            assertThat(labels.get("com.docker.compose.project.working_dir").asText()).isEqualTo(project.toString());
            assertThat(labels.get("com.docker.compose.project.config_files").asText()).isEqualTo("docker-compose.yml");
            assertThat(labels.get("io.podman.compose.project").asText()).isEqualTo("app");
            assertThat(labels.get("io.podman.compose.config-hash").asText()).as("a constant, whatever the file says").isEqualTo("123");
            assertThat(labels.has("com.docker.compose.oneoff")).isFalse();

            started = System.nanoTime();
            podman.compose(project, "-p", "app", "down").orThrow();
            System.out.println("podman-compose up -d of 3 containers: " + up / 1_000_000 + " ms, down: "
                    + (System.nanoTime() - started) / 1_000_000 + " ms");

            assertThat(podman.podman("ps", "-a", "-q").orThrow().output()).isEmpty();
            assertThat(podman.podman("network", "ls", "--format", "{{.Name}}").orThrow().output().lines())
                    .as("down leaves the project's network").contains("app_default");
        }
    }

    @Test
    void dockerComposeRunsAProjectThroughPodmansDockerApi() throws Exception {
        try (DockerEngine engine = DockerEngine.start(temp.resolve("docker"));
                Registry registry = Registry.start(temp.resolve("registry"));
                PodmanService podman = PodmanService.start(temp.resolve("podman"), registry.address())) {
            Image image = new Images(engine, registry, temp.resolve("images")).push("app", "latest", Spec.busybox());
            Path project = Files.createDirectories(temp.resolve("app"));
            Files.writeString(project.resolve("docker-compose.yml"), "version: \"3.7\"\nservices:\n"
                    + "  web:\n    image: " + image.reference() + "\n    network_mode: none\n"
                    + "  worker:\n    image: " + image.reference() + "\n    network_mode: none\n");

            podman.dockerCompose(project, "-p", "app", "up", "-d").orThrow();

            assertThat(podman.podman("ps", "--filter", "label=com.docker.compose.project=app", "--format", "{{.Names}}")
                    .orThrow().output().lines().sorted()).containsExactly("app_web_1", "app_worker_1");
            assertThat(podman.podman("inspect", "--format", "{{index .Config.Labels \"com.docker.compose.config-hash\"}}", "app_web_1")
                    .orThrow().output().strip()).hasSize(64);
            podman.dockerCompose(project, "-p", "app", "down").orThrow();
            assertThat(podman.podman("ps", "-a", "-q").orThrow().output()).isEmpty();
        }
    }

    @Test
    void aHealthcheckRunsWhenAskedAndFollowsItsSwitch() throws Exception {
        try (DockerEngine engine = DockerEngine.start(temp.resolve("docker"));
                Registry registry = Registry.start(temp.resolve("registry"));
                PodmanService podman = PodmanService.start(temp.resolve("podman"), registry.address())) {
            Image image = new Images(engine, registry, temp.resolve("images")).push("checked", "1", Spec.busybox().withSwitchedHealth());
            HealthSwitch health = HealthSwitch.in(temp.resolve("health"));
            podman.podman("pull", image.reference()).orThrow();
            podman.podman("run", "-d", "--name", "checked", "-v", health.volume(), image.reference()).orThrow();

            assertThat(status(podman)).as("no systemd, so no timer ran a check").isEqualTo("starting");
            assertThat(podman.runHealthcheck("checked").exitCode()).isEqualTo(1);
            assertThat(status(podman)).isEqualTo("unhealthy");
            health.pass();
            assertThat(podman.runHealthcheck("checked").exitCode()).isEqualTo(0);
            assertThat(status(podman)).isEqualTo("healthy");
        }
    }

    private static String status(PodmanService podman) {
        return podman.podman("inspect", "--format", "{{.State.Health.Status}}", "checked").orThrow().output().strip();
    }
}
