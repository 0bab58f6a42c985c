package dev.driftless.compose;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.DockerEngine;
import dev.driftless.testing.Images.Image;
import dev.driftless.testing.StackEngine;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A compose stack from the repository on a real engine (its own dockerd, images from a real registry on
 * 127.0.0.1), brought up by Debian's docker-compose: apply, no-op, drift of each kind and its heal, a config
 * file that reaches exactly the containers that mount it, and the stack's prune. The host is this machine
 * (address: local, its state under /var/lib/driftless/state, removed after each test): containers do not run
 * under a root.
 */
class ComposeStacksTest {

    @TempDir
    Path temp;

    private StackEngine stacks;
    private DockerEngine engine;
    private Image image;
    private TestRepo repo;
    private String host;
    private Path stack;

    @BeforeEach
    void engineAndRepository() throws Exception {
        stacks = StackEngine.start(temp);
        engine = stacks.engine();
        image = stacks.image();
        host = "stack-test-" + UUID.randomUUID().toString().substring(0, 8);
        stack = temp.resolve("srv/app");
        repo = TestRepo.init(temp.resolve("repo"));
        stacks.writeApp(repo, host, stack, "version 1");
        repo.commit("an app of two containers");
    }

    @AfterEach
    void stop() throws Exception {
        stacks.close();
        Files.deleteIfExists(Path.of("/var/lib/driftless/state/" + host + ".json"));
    }

    private Cli.Result driftless(String command) {
        return Cli.run(command, "--repo", repo.dir().toString());
    }

    private String containerId(String name) {
        return engine.docker("inspect", "--format", "{{.Id}}", name).orThrow().output().strip();
    }

    private String state(String name) {
        return engine.docker("inspect", "--format", "{{.State.Status}}", name).orThrow().output().strip();
    }

    @Test
    void aStackComesUpThenANoOpTouchesNothing() {
        Cli.Result plan = driftless("plan");
        assertThat(plan.out()).contains("+ stack app (app)").contains("web: create (" + image.reference() + ")")
                .contains("db: create").contains("with docker-compose in " + stack);
        Cli.Result apply = driftless("apply");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(apply.out()).contains("+ stack app (app)");
        assertThat(state("app_web_1")).isEqualTo("running");
        assertThat(state("app_db_1")).isEqualTo("running");
        assertThat(stack.resolve("compose.yaml")).exists();
        assertThat(engine.docker("inspect", "--format", "{{index .Config.Labels \"dev.driftless.stack\"}}", "app_web_1")
                .orThrow().output().strip()).isEqualTo("app");
        String web = containerId("app_web_1");

        Cli.Result again = driftless("apply");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).contains("nothing to do");
        Cli.Result check = driftless("check");
        assertThat(check.exitCode()).as(check.toString()).isZero();
        assertThat(containerId("app_web_1")).isEqualTo(web);
    }

    @Test
    void aStoppedOrRemovedContainerIsDriftAndApplyBringsItBack() {
        assertThat(driftless("apply").exitCode()).isZero();
        engine.docker("stop", "-t", "1", "app_db_1").orThrow();
        engine.docker("rm", "-f", "app_web_1").orThrow();

        Cli.Result check = driftless("check");

        assertThat(check.exitCode()).as(check.toString()).isEqualTo(2);
        assertThat(check.out()).contains("~ stack app (app)").contains("db: app_db_1 is exited")
                .contains("web: no container");
        Cli.Result apply = driftless("apply");
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(state("app_db_1")).isEqualTo("running");
        assertThat(state("app_web_1")).isEqualTo("running");
        assertThat(driftless("check").exitCode()).isZero();
    }

    @Test
    void aChangedConfigFileRecreatesExactlyTheContainersThatMountIt() throws Exception {
        assertThat(driftless("apply").exitCode()).isZero();
        String web = containerId("app_web_1");
        String db = containerId("app_db_1");
        repo.write("services/app/service.yaml", Files.readString(repo.dir().resolve("services/app/service.yaml"))
                .replace("version 1", "version 2"));
        repo.commit("web.conf: version 2");

        Cli.Result plan = driftless("plan");
        assertThat(plan.out()).contains("web: recreate (its configuration changed)").doesNotContain("db:");
        Cli.Result apply = driftless("apply");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(containerId("app_web_1")).isNotEqualTo(web);
        assertThat(containerId("app_db_1")).isEqualTo(db);
        assertThat(engine.docker("exec", "app_web_1", "cat", "/etc/web.conf").orThrow().output()).isEqualTo("version 2\n");
    }

    @Test
    void aStackThatLeavesTheRepositoryIsBroughtDownAndItsFilesRemoved() throws Exception {
        assertThat(driftless("apply").exitCode()).isZero();
        repo.write("services/other/service.yaml", "hosts: [" + host + "]\nfiles:\n  - path: " + temp.resolve("other.conf")
                + "\n    content: x\n");
        repo.delete("services/app/service.yaml");
        repo.delete("services/app/compose.yaml");
        repo.commit("the app is gone");

        Cli.Result apply = driftless("apply");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(apply.out()).contains("- stack app (app)");
        assertThat(engine.docker("ps", "-aq", "--filter", "label=com.docker.compose.project=app").orThrow().output())
                .isEmpty();
        assertThat(stack.resolve("compose.yaml")).doesNotExist();
        assertThat(stack.resolve("web.conf")).doesNotExist();
    }

    @Test
    void aComposeFileWithoutServicesIsRefusedNamingTheServiceYamlLine() {
        repo.write("services/app/compose.yaml", "volumes:\n  data: {}\n");
        repo.commit("no services");

        Cli.Result apply = driftless("apply");

        assertThat(apply.exitCode()).isEqualTo(1);
        assertThat(apply.out() + apply.err()).contains("services/app/service.yaml:3: compose.source:").contains("has no 'services:'");
        assertThat(List.of(engine.docker("ps", "-aq").orThrow().output())).containsExactly("");
    }

    @Test
    void anEngineThatDoesNotAnswerFailsTheHostSayingSoAndChangesNothing() {
        repo.write("driftless.yaml", "hosts:\n  " + host + ":\n    address: local\n    dockerHost: unix://"
                + temp.resolve("no-engine.sock") + "\n");
        repo.commit("an engine that is not there");

        Cli.Result apply = driftless("apply");

        assertThat(apply.exitCode()).isEqualTo(1);
        assertThat(apply.out() + apply.err()).contains("the container engine did not answer")
                .contains("Cannot connect to the Docker daemon");
        assertThat(stack.resolve("compose.yaml")).doesNotExist();
    }
}
