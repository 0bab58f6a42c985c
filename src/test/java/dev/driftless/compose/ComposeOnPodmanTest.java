package dev.driftless.compose;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.testing.Cli;
import dev.driftless.testing.DockerEngine;
import dev.driftless.testing.Images;
import dev.driftless.testing.Images.Image;
import dev.driftless.testing.Images.Spec;
import dev.driftless.testing.PodmanService;
import dev.driftless.testing.Registry;
import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A compose stack on a Podman host: Debian's Podman 4.3 and podman-compose 1.0.3, reached over SSH. This machine
 * also has docker and docker-compose, so the host's sessions get a PATH (sshd's SetEnv) of everything in the usual
 * folders but those: to Driftless it is a host with podman and podman-compose only, as a Podman host is, and it
 * finds both as they are. The sessions also get the test Podman's configuration (CONTAINERS_CONF and the like), so
 * the podman CLI works on that Podman's storage. The images come from the registry on 127.0.0.1, built with a
 * dockerd of the test's own.
 */
class ComposeOnPodmanTest {

    @TempDir
    Path temp;

    private DockerEngine builder;
    private Registry registry;
    private PodmanService podman;
    private Image image;
    private TestRepo repo;
    private SshStackHost host;
    private Path stack;
    private Path bin;

    @BeforeEach
    void podmanBehindSsh() throws Exception {
        builder = DockerEngine.start(temp.resolve("docker"));
        registry = Registry.start(temp.resolve("registry"));
        image = new Images(builder, registry, temp.resolve("images")).push("app", "1", Spec.busybox());
        podman = PodmanService.start(temp.resolve("podman"), registry.address());
        Map<String, String> env = new HashMap<>(podman.env());
        env.remove("DOCKER_HOST");
        // its own folder, not in temp: JUnit warns of every link it deletes there that leads out (~4,000 lines a run)
        bin = pathWithoutDocker(Files.createTempDirectory("driftless-path-without-docker"));
        env.put("PATH", bin.toString());
        // an empty home: root's own ~/.bashrc would put its own folders before PATH
        env.put("HOME", Files.createDirectories(temp.resolve("home")).toString());
        host = SshStackHost.start(temp.resolve("host"), "podman-stack", env);
        stack = temp.resolve("srv/app");
        repo = TestRepo.init(temp.resolve("repo"));
        repo.write("driftless.yaml", host.inventory());
        StackApp.write(repo, "app", host.name(), stack, image.reference(), StackApp.Network.INTERNAL);
        repo.commit("an app of two containers, on a Podman host");
    }

    @AfterEach
    void stop() throws Exception {
        host.close();
        podman.close();
        builder.close();
        registry.close();
        if (bin != null) {
            try (Stream<Path> links = Files.list(bin)) {
                for (Path link : links.toList()) {
                    Files.delete(link); // the link, never what it leads to
                }
            }
            Files.delete(bin);
        }
    }

    /**
     * A folder of links to every program of the usual PATH but docker's, the first of each name as PATH would find
     * it: a host where podman and podman-compose are the only engine and compose.
     */
    private static Path pathWithoutDocker(Path bin) throws IOException {
        Files.createDirectories(bin);
        for (String dir : List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")) {
            try (Stream<Path> programs = Files.list(Path.of(dir))) {
                for (Path program : programs.toList()) {
                    String name = program.getFileName().toString();
                    if (!name.startsWith("docker") && Files.notExists(bin.resolve(name))) {
                        Files.createSymbolicLink(bin.resolve(name), program);
                    }
                }
            }
        }
        return bin;
    }

    private Cli.Result driftless(String command) {
        return host.driftless(repo, command);
    }

    private String inspect(String format, String container) {
        return podman.podman("inspect", "--format", format, container).orThrow().output().strip();
    }

    @Test
    void aStackComesUpWithPodmanComposeThenANoOpTouchesNothingAndAStoppedContainerIsHealed() {
        Cli.Result plan = driftless("plan");
        assertThat(plan.out()).as(plan.toString()).contains("+ stack app (app)").contains("with podman-compose in " + stack);
        Cli.Result apply = driftless("apply");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(inspect("{{.State.Status}}", "app_web_1")).isEqualTo("running");
        assertThat(inspect("{{.State.Status}}", "app_db_1")).isEqualTo("running");
        assertThat(inspect("{{index .Config.Labels \"dev.driftless.stack\"}}", "app_web_1")).as("from the override file")
                .isEqualTo("app");
        String web = inspect("{{.Id}}", "app_web_1");
        EngineState read = EngineState.parse("@@engine podman\n@@containers\n"
                + podman.podman("inspect", "app_web_1").orThrow().output() + "\n@@containers-end\n");
        assertThat(read.of("app", "web")).singleElement().satisfies(c -> {
            assertThat(c.imageId()).as("Podman's bare ID, read as Docker's").isEqualTo(image.id());
            assertThat(c.running()).isTrue();
            assertThat(c.health()).isEmpty();
        });
        Cli.Result again = driftless("apply");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).contains("nothing to do");
        assertThat(driftless("check").exitCode()).isZero();
        assertThat(inspect("{{.Id}}", "app_web_1")).isEqualTo(web);

        podman.podman("stop", "-t", "1", "app_db_1").orThrow();
        Cli.Result check = driftless("check");
        assertThat(check.exitCode()).as(check.toString()).isEqualTo(2);
        assertThat(check.out()).contains("~ stack app (app)").contains("db: app_db_1 is exited");
        Cli.Result heal = driftless("apply");
        assertThat(heal.exitCode()).as(heal.toString()).isZero();
        assertThat(inspect("{{.State.Status}}", "app_db_1")).isEqualTo("running");
        assertThat(inspect("{{.Id}}", "app_web_1")).isEqualTo(web);
        assertThat(driftless("check").exitCode()).isZero();
    }

    @Test
    void aChangedConfigFileRecreatesExactlyTheContainerThatMountsIt() throws Exception {
        assertThat(driftless("apply").exitCode()).isZero();
        String web = inspect("{{.Id}}", "app_web_1");
        String db = inspect("{{.Id}}", "app_db_1");
        repo.write("services/app/service.yaml", Files.readString(repo.dir().resolve("services/app/service.yaml"))
                .replace("version 1", "version 2"));
        repo.commit("web.conf: version 2");

        Cli.Result plan = driftless("plan");
        assertThat(plan.out()).contains("web: recreate (its configuration changed)").doesNotContain("db:");
        Cli.Result apply = driftless("apply");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(inspect("{{.Id}}", "app_web_1")).isNotEqualTo(web);
        assertThat(inspect("{{.Id}}", "app_db_1")).isEqualTo(db);
        assertThat(podman.podman("exec", "app_web_1", "cat", "/etc/web.conf").orThrow().output()).isEqualTo("version 2\n");
        assertThat(podman.podman("ps", "-a", "--format", "{{.Names}}").orThrow().output().lines().sorted())
                .as("the container of the old configuration is gone").containsExactly("app_db_1", "app_web_1");
        assertThat(driftless("check").exitCode()).isZero();
    }

    @Test
    void aConfigurationPodmanRefusesFailsInItsWordsAndThePreviousContainerRunsOn() throws Exception {
        assertThat(driftless("apply").exitCode()).isZero();
        String web = inspect("{{.Id}}", "app_web_1");
        String db = inspect("{{.Id}}", "app_db_1");
        Path compose = repo.dir().resolve("services/app/compose.yaml");
        repo.write("services/app/compose.yaml", Files.readString(compose).replace("  web:\n", "  web:\n    restart: sometimes\n"));
        repo.commit("restart: sometimes");

        Cli.Result apply = driftless("apply");

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
        assertThat(apply.out()).contains("services/app/service.yaml:3: compose.source: stack app: podman-compose up failed"
                + " (exit 1)").contains("\"sometimes\" is not a valid restart policy")
                .contains("no container of the new configuration runs for: web")
                .contains("the containers of the previous configuration run on: app_web_1")
                .as("podman-compose's echo of its commands and of the merged file is left out")
                .doesNotContain("podman run").doesNotContain("merged").doesNotContain("exit code:");
        assertThat(inspect("{{.Id}}", "app_web_1")).isEqualTo(web);
        assertThat(inspect("{{.State.Status}}", "app_web_1")).isEqualTo("running");
        assertThat(inspect("{{.Id}}", "app_db_1")).isEqualTo(db);
        assertThat(podman.podman("ps", "-a", "--format", "{{.Names}}").orThrow().output().lines().sorted())
                .containsExactly("app_db_1", "app_web_1");
    }

    @Test
    void aStackThatLeavesTheRepositoryIsBroughtDownWithItsNetworkAndFiles() {
        assertThat(driftless("apply").exitCode()).isZero();
        StackApp.remove(repo, "app", host.name(), temp.resolve("other.conf"));

        Cli.Result apply = driftless("apply");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(apply.out()).contains("- stack app (app)");
        assertThat(podman.podman("ps", "-aq").orThrow().output()).isEmpty();
        assertThat(podman.podman("network", "ls", "--format", "{{.Name}}").orThrow().output().lines())
                .doesNotContain("app_default");
        assertThat(stack.resolve("compose.yaml")).doesNotExist();
        assertThat(stack.resolve("web.conf")).doesNotExist();
    }

    @Test
    void aContainerCheckRunsPodmansHealthcheckItselfAndTheHealthyApplyRecordsTheImage() throws Exception {
        Image checked = new Images(builder, registry, temp.resolve("images")).push("app", "checked",
                Spec.busybox().withHealthcheck("true"));
        Path compose = repo.dir().resolve("services/app/compose.yaml");
        repo.write("services/app/compose.yaml", Files.readString(compose).replace(image.reference(), checked.reference()));
        repo.write("services/app/service.yaml", Files.readString(repo.dir().resolve("services/app/service.yaml"))
                + "health:\n  - container: web\n    timeout: 20s\n");
        repo.commit("web's healthcheck checked after each apply");

        Cli.Result apply = driftless("apply");

        // nothing runs Podman's healthchecks here: the check's own 'podman healthcheck run' makes web healthy
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(apply.out()).contains("health app: healthy");
        assertThat(inspect("{{.State.Health.Status}}", "app_web_1")).isEqualTo("healthy");
        String target = new ObjectMapper().readTree(Path.of("/var/lib/driftless/state/" + host.name() + ".json")
                .toFile()).path("resources").path("stack:app").path("target").asText();
        assertThat(StackRecord.of(target).images().get("web")).satisfies(web -> {
            assertThat(web.id()).isEqualTo(checked.id());
            assertThat(web.digest()).contains(checked.pinned());
        });
    }
}
