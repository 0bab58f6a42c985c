package dev.driftless.compose;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.DockerEngine;
import dev.driftless.testing.Images;
import dev.driftless.testing.Images.Image;
import dev.driftless.testing.Images.Spec;
import dev.driftless.testing.Registry;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad input of issue 12, on a real engine with Debian's docker-compose: a running stack ({@code app}) gets a
 * compose file that compose's {@code config} rejects, one it accepts but the engine refuses to run, an env file
 * that is not there, an image that cannot be pulled. Each time the service fails with the engine's words and the
 * service.yaml line of its stack, the containers that ran before still run (the same containers), and the other
 * stack of the host ({@code other}), changed in the same commit, comes up all the same.
 */
class ComposeBadInputTest {

    @TempDir
    Path temp;

    private DockerEngine engine;
    private Registry registry;
    private Image image;
    private TestRepo repo;
    private String host;
    private String web;
    private String db;

    @BeforeEach
    void twoStacksRunning() throws Exception {
        engine = DockerEngine.start(temp.resolve("docker"));
        registry = Registry.start(temp.resolve("registry"));
        image = new Images(engine, registry, temp.resolve("images")).push("app", "1", Spec.busybox());
        host = "bad-input-" + UUID.randomUUID().toString().substring(0, 8);
        repo = TestRepo.init(temp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  " + host + ":\n    address: local\n    dockerHost: unix://"
                + engine.socket() + "\n");
        StackApp.write(repo, "app", host, temp.resolve("srv/app"), image.reference(), StackApp.Network.NONE);
        StackApp.write(repo, "other", host, temp.resolve("srv/other"), image.reference(), StackApp.Network.NONE);
        repo.commit("two stacks");
        Cli.Result apply = driftless("apply");
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        web = id("app_web_1");
        db = id("app_db_1");
    }

    @AfterEach
    void stop() throws Exception {
        engine.close();
        registry.close();
        Files.deleteIfExists(Path.of("/var/lib/driftless/state/" + host + ".json"));
    }

    private Cli.Result driftless(String command) {
        return Cli.run(command, "--repo", repo.dir().toString());
    }

    private String id(String container) {
        return engine.docker("inspect", "--format", "{{.Id}}", container).orThrow().output().strip();
    }

    private String state(String container) {
        return engine.docker("inspect", "--format", "{{.State.Status}}", container).orThrow().output().strip();
    }

    /** Commits {@code edit} of app's compose file together with a new web.conf for the other stack, and applies. */
    private String applyBroken(String message, UnaryOperator<String> edit) throws Exception {
        Path compose = repo.dir().resolve("services/app/compose.yaml");
        repo.write("services/app/compose.yaml", edit.apply(Files.readString(compose)));
        Path other = repo.dir().resolve("services/other/service.yaml");
        repo.write("services/other/service.yaml", Files.readString(other).replace("version 1", "version 2"));
        repo.commit(message);

        Cli.Result apply = driftless("apply");

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
        String said = apply.out() + apply.err();
        assertThat(said).contains("services/app/service.yaml:3: compose.source: stack app: ");
        assertThat(id("app_web_1")).as("the same web container").isEqualTo(web);
        assertThat(id("app_db_1")).as("the same db container").isEqualTo(db);
        assertThat(state("app_web_1")).isEqualTo("running");
        assertThat(state("app_db_1")).isEqualTo("running");
        assertThat(engine.docker("ps", "-a", "--format", "{{.Names}}").orThrow().output().lines().sorted())
                .as("nothing set aside is left").containsExactly("app_db_1", "app_web_1", "other_db_1", "other_web_1");
        assertThat(engine.docker("exec", "other_web_1", "cat", "/etc/web.conf").orThrow().output())
                .as("the other stack came up with its change").isEqualTo("version 2\n");
        return said;
    }

    @Test
    void anUnknownKeyIsRefusedByComposeConfigInItsWordsAndNoContainerIsTouched() throws Exception {
        String said = applyBroken("a typo", file -> file.replace("  db:\n", "  db:\n    imag: x\n"));

        assertThat(said).contains("docker-compose config rejected the compose file (exit 1)")
                .contains("Unsupported config option for services.db: 'imag'")
                .contains("no container was touched: fix the compose file in the repository");
    }

    @Test
    void aMissingEnvFileIsRefusedWithItsPath() throws Exception {
        String said = applyBroken("an env file nobody wrote", file -> file.replace("  db:\n", "  db:\n    env_file: [db.env]\n"));

        assertThat(said).contains("docker-compose config rejected the compose file (exit 1)")
                .contains("Couldn't find env file: " + temp.resolve("srv/app/db.env"));
    }

    @Test
    void aRestartPolicyTheEngineRefusesKeepsThePreviousContainerRunning() throws Exception {
        String said = applyBroken("restart: sometimes", file -> file.replace("  web:\n", "  web:\n    restart: sometimes\n"));

        assertThat(said).contains("docker-compose up failed (exit 1)")
                .contains("Cannot create container for service web: invalid restart policy 'sometimes'")
                .contains("the containers of the previous configuration run on: app_web_1")
                .doesNotContain("Recreating").doesNotContain("Encountered errors");
    }

    @Test
    void anImageThatCannotBePulledFailsBeforeAnyContainerIsTouched() throws Exception {
        String reference = image.reference();
        String neverPushed = reference.substring(0, reference.lastIndexOf(':')) + ":never-pushed";
        String said = applyBroken("a tag that was never pushed for web", file -> file.replaceFirst(
                Pattern.quote(reference), Matcher.quoteReplacement(neverPushed)));

        assertThat(said).contains("an image of the stack could not be pulled (exit 1)").contains("manifest unknown")
                .contains("no container was touched: check the image's name and tag, and that " + host
                        + " can reach its registry");
    }
}
