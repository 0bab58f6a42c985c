package dev.driftless.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A test's own dockerd: its own socket and folders, its API, reached locally and through an SSH host. */
class DockerEngineTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    @Test
    void startsOnItsOwnSocketWithItsOwnDataAndLeavesNothingRunning() throws Exception {
        boolean systemSocket = Files.exists(Path.of("/var/run/docker.sock"));
        Path dir = temp.resolve("docker");
        long pid;
        try (DockerEngine engine = DockerEngine.start(dir)) {
            System.out.println("dockerd answered /_ping after " + engine.startTime().toMillis() + " ms");
            pid = engine.pid();
            assertThat(engine.env()).containsEntry("DOCKER_HOST", "unix://" + dir.resolve("docker.sock"));
            assertThat(engine.docker("info", "--format", "{{.DockerRootDir}} {{.Driver}}").orThrow().output())
                    .isEqualTo(dir.resolve("data") + " overlay2\n");
            assertThat(engine.docker("network", "ls", "--format", "{{.Name}}").orThrow().output().lines().sorted())
                    .as("no default bridge").containsExactly("host", "none");
        }
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("dockerd after close").isEmpty();
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).as("mounts left").doesNotContain(dir.toString());
        assertThat(Files.exists(Path.of("/var/run/docker.sock"))).as("the system socket, untouched").isEqualTo(systemSocket);
    }

    @Test
    void anImageFromOutsideTheTestRegistryFailsAtOnceInsteadOfReachingForTheInternet() throws Exception {
        try (DockerEngine engine = DockerEngine.start(temp.resolve("docker"))) {
            long started = System.nanoTime();
            Command.Result pull = engine.docker("pull", "busybox:latest");

            assertThat(pull.exitCode()).isEqualTo(1);
            assertThat(pull.output()).contains("registry-1.docker.io", "proxyconnect tcp: dial tcp 127.0.0.1:9");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        }
    }

    @Test
    void answersTheSameApiVersionToTheCliAndToADirectRequest() throws Exception {
        try (DockerEngine engine = DockerEngine.start(temp.resolve("docker"))) {
            EngineApi.Response version = engine.api().get("/version").orThrow();
            String apiVersion = JSON.readTree(version.body()).get("ApiVersion").asText();

            assertThat(version.headers()).containsEntry("api-version", apiVersion);
            assertThat(engine.docker("version", "--format", "{{.Server.APIVersion}}").orThrow().output()).isEqualTo(apiVersion + "\n");
            assertThat(apiVersion).as("Debian 12's docker.io 20.10").isEqualTo("1.41");
        }
    }

    @Test
    void inspectPrintsTheApisContainerJsonAsItIs() throws Exception {
        try (DockerEngine engine = DockerEngine.start(temp.resolve("docker"));
                Registry registry = Registry.start(temp.resolve("registry"))) {
            Images.Image image = new Images(engine, registry, temp.resolve("images")).push("inspect", "1", Images.Spec.busybox());
            String id = engine.docker("run", "-d", "--network", "none", "--label", "driftless.test=inspect", image.reference())
                    .orThrow().output().strip();

            JsonNode cli = JSON.readTree(engine.docker("inspect", id).orThrow().output());
            JsonNode api = JSON.readTree(engine.api().get("/containers/" + id + "/json").orThrow().body());

            assertThat(cli.isArray()).isTrue();
            assertThat(cli.get(0)).isEqualTo(api);
            assertThat(api.at("/Config/Labels/driftless.test").asText()).isEqualTo("inspect");
            assertThat(api.at("/Image").asText()).as("the container names its image by ID").isEqualTo(image.id());
            assertThat(api.at("/Config/Image").asText()).as("and by the reference it was started from").isEqualTo(image.reference());
        }
    }

    @Test
    void anSshSessionOfTheTestHostTalksToTheTestEngine() throws Exception {
        Path key = SshServer.keygen(temp.resolve("id_ed25519"));
        try (DockerEngine engine = DockerEngine.start(temp.resolve("docker"));
                SshServer ssh = SshServer.start(temp.resolve("sshd"), Path.of(key + ".pub"), engine.env())) {
            Path knownHosts = Files.writeString(temp.resolve("known_hosts"), ssh.knownHostsLine() + "\n");
            Command.Result remote = Command.run(Duration.ofSeconds(30), List.of("ssh", "-i", key.toString(),
                    "-p", Integer.toString(ssh.port()), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
                    "-o", "UserKnownHostsFile=" + knownHosts, "root@127.0.0.1",
                    "echo $DOCKER_HOST; docker info --format '{{.DockerRootDir}}'"));

            assertThat(remote.orThrow().output()).isEqualTo(engine.env().get("DOCKER_HOST") + "\n"
                    + temp.resolve("docker").resolve("data") + "\n");
        }
    }
}
