package dev.driftless.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.testing.Images.Image;
import dev.driftless.testing.Images.Spec;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's docker-compose (v1, 1.29) against the test engine: what the compose feature of issue 12 relies on,
 * pinned here so that a change of Debian's packages shows as a failing test.
 */
class DockerComposeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration EVENT_TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path temp;

    @Test
    void aProjectComesUpOnItsOwnBridgeNetworkLabelledAndGoesDown() throws Exception {
        try (DockerEngine engine = DockerEngine.start(temp.resolve("docker"));
                Registry registry = Registry.start(temp.resolve("registry"))) {
            Image image = new Images(engine, registry, temp.resolve("images")).push("app", "latest", Spec.busybox());
            Path project = Files.createDirectories(temp.resolve("app"));
            Files.writeString(project.resolve("docker-compose.yml"), threeServices(image, ""));

            long started = System.nanoTime();
            engine.compose(project, "-p", "app", "up", "-d").orThrow();
            long up = System.nanoTime() - started;

            assertThat(engine.docker("ps", "--filter", "label=com.docker.compose.project=app", "--format", "{{.Names}}")
                    .orThrow().output().lines().sorted()).containsExactly("app_db_1", "app_web_1", "app_worker_1");
            JsonNode labels = JSON.readTree(engine.docker("inspect", "--format", "{{json .Config.Labels}}", "app_web_1")
                    .orThrow().output());
            assertThat(labels.get("com.docker.compose.project").asText()).isEqualTo("app");
            assertThat(labels.get("com.docker.compose.service").asText()).isEqualTo("web");
            assertThat(labels.get("com.docker.compose.container-number").asText()).isEqualTo("1");
            assertThat(labels.get("com.docker.compose.oneoff").asText()).isEqualTo("False");
            assertThat(labels.get("com.docker.compose.project.working_dir").asText()).isEqualTo(project.toString());
            assertThat(labels.get("com.docker.compose.project.config_files").asText()).isEqualTo("docker-compose.yml");
            assertThat(labels.get("com.docker.compose.config-hash").asText()).hasSize(64);
            assertThat(labels.get("com.docker.compose.version").asText()).isEqualTo("1.29.2");
            // --bridge=none leaves the default bridge out, not compose's own: it makes <project>_default
            assertThat(engine.docker("network", "ls", "--filter", "label=com.docker.compose.project=app", "--format", "{{.Name}} {{.Driver}}")
                    .orThrow().output()).isEqualTo("app_default bridge\n");

            started = System.nanoTime();
            engine.compose(project, "-p", "app", "down").orThrow();
            long down = System.nanoTime() - started;
            System.out.println("docker-compose up -d of 3 containers: " + up / 1_000_000 + " ms, down: " + down / 1_000_000 + " ms");

            assertThat(engine.docker("ps", "-a", "-q").orThrow().output()).isEmpty();
            assertThat(engine.docker("network", "ls", "--format", "{{.Name}}").orThrow().output().lines().sorted())
                    .containsExactly("host", "none");
        }
    }

    @Test
    void aPortIsPublishedOnLoopbackThroughTheProjectsNetworkAndDroppedWithoutOne() throws Exception {
        try (DockerEngine engine = DockerEngine.start(temp.resolve("docker"));
                Registry registry = Registry.start(temp.resolve("registry"))) {
            Image image = new Images(engine, registry, temp.resolve("images")).push("web", "1", Spec.busybox()
                    .withFile("/www/index.html", "served\n"));
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            Path project = Files.createDirectories(temp.resolve("web"));
            Files.writeString(project.resolve("docker-compose.yml"), String.join("\n",
                    "version: \"3.7\"",
                    "services:",
                    "  bridged:",
                    "    image: " + image.reference(),
                    // httpd as PID 1 would ignore SIGTERM, and down would wait 10 s for it
                    "    command: [\"sh\", \"-c\", \"trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait\"]",
                    "    ports: [\"127.0.0.1:" + port + ":8080\"]",
                    "  isolated:",
                    "    image: " + image.reference(),
                    "    network_mode: none",
                    "    ports: [\"127.0.0.1:" + port + ":8080\"]",
                    ""));

            engine.compose(project, "-p", "web", "up", "-d").orThrow();

            assertThat(engine.docker("inspect", "--format", "{{json .NetworkSettings.Ports}}", "web_isolated_1").orThrow().output())
                    .as("network_mode none: the port is dropped without a word").isEqualTo("{}\n");
            assertThat(fetch(port)).isEqualTo("served\n");
            engine.compose(project, "-p", "web", "down").orThrow();
        }
    }

    @Test
    void aKilledContainerIsReportedAsKillThenDieWithItsComposeLabels() throws Exception {
        try (DockerEngine engine = DockerEngine.start(temp.resolve("docker"));
                Registry registry = Registry.start(temp.resolve("registry"))) {
            Image image = new Images(engine, registry, temp.resolve("images")).push("app", "latest", Spec.busybox());
            Path project = Files.createDirectories(temp.resolve("app"));
            Files.writeString(project.resolve("docker-compose.yml"), threeServices(image, "    network_mode: none\n"));
            engine.compose(project, "-p", "app", "up", "-d").orThrow();
            String since = timestamp(Instant.now());

            engine.docker("kill", "app_web_1").orThrow();

            List<JsonNode> events = awaitEvents(engine, since, "die");
            assertThat(events).extracting(event -> event.get("Action").asText()).containsSubsequence("kill", "die");
            JsonNode die = events.get(events.size() - 1);
            assertThat(die.get("Type").asText()).isEqualTo("container");
            assertThat(die.at("/Actor/Attributes/name").asText()).isEqualTo("app_web_1");
            assertThat(die.at("/Actor/Attributes/exitCode").asText()).isEqualTo("137");
            assertThat(die.at("/Actor/Attributes/com.docker.compose.project").asText()).isEqualTo("app");
            assertThat(die.at("/Actor/Attributes/com.docker.compose.service").asText()).isEqualTo("web");
            assertThat(events.stream().filter(event -> event.get("Action").asText().equals("kill")).findFirst().orElseThrow()
                    .at("/Actor/Attributes/signal").asText()).isEqualTo("9");
            engine.compose(project, "-p", "app", "down").orThrow();
        }
    }

    @Test
    void configRejectsAnUnknownKeyAndAMissingEnvFileWithExitOneAndTheirNames() throws Exception {
        Daemon.requireProgram(EngineCommand.DOCKER_COMPOSE, "docker-compose");
        Path project = Files.createDirectories(temp.resolve("bad"));
        Files.writeString(project.resolve("docker-compose.yml"), "version: \"3.7\"\nservices:\n  web:\n    imag: x\n");

        Command.Result unknownKey = compose(project, "config");

        assertThat(unknownKey.exitCode()).isEqualTo(1);
        assertThat(unknownKey.output()).isEqualTo("The Compose file './docker-compose.yml' is invalid because:\n"
                + "Unsupported config option for services.web: 'imag'\n");

        Files.writeString(project.resolve("docker-compose.yml"), "version: \"3.7\"\nservices:\n  web:\n    image: x\n"
                + "    env_file: [app.env]\n");
        Command.Result missingEnvFile = compose(project, "config");

        assertThat(missingEnvFile.exitCode()).isEqualTo(1);
        assertThat(missingEnvFile.output()).isEqualTo("Couldn't find env file: " + project.resolve("app.env") + "\n");
    }

    /** docker-compose without an engine: {@code config} does not ask one. */
    private static Command.Result compose(Path project, String... args) {
        return EngineCommand.run(Map.of(), project, EngineCommand.DOCKER_COMPOSE, args);
    }

    private static String threeServices(Image image, String extra) {
        StringBuilder file = new StringBuilder("version: \"3.7\"\nservices:\n");
        for (String service : List.of("web", "worker", "db")) {
            file.append("  ").append(service).append(":\n    image: ").append(image.reference()).append('\n').append(extra);
        }
        return file.toString();
    }

    /** The engine's events since {@code since} up to now, polled until one has {@code action}. */
    private static List<JsonNode> awaitEvents(DockerEngine engine, String since, String action) throws Exception {
        long deadline = System.nanoTime() + EVENT_TIMEOUT.toNanos();
        List<JsonNode> events = List.of();
        while (System.nanoTime() < deadline) {
            String until = timestamp(Instant.now());
            events = engine.docker("events", "--since", since, "--until", until, "--filter", "type=container",
                    "--format", "{{json .}}").orThrow().output().lines().map(DockerComposeTest::parse).toList();
            if (events.stream().anyMatch(event -> event.get("Action").asText().equals(action))) {
                return events;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no '" + action + "' event within " + EVENT_TIMEOUT.toSeconds() + " s: " + events);
    }

    /** A time as {@code docker events} takes it: seconds.nanoseconds since the epoch (a future --until would block). */
    private static String timestamp(Instant instant) {
        return instant.getEpochSecond() + "." + String.format("%09d", instant.getNano());
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new IllegalStateException("not JSON: " + line, e);
        }
    }

    private static String fetch(int port) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/index.html"))
                .timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + EVENT_TIMEOUT.toNanos();
        while (true) {
            try {
                return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
            } catch (IOException e) {
                // docker-proxy listens at once; httpd in the container a moment later
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }
}
