package dev.driftless.compose;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.DockerEngine;
import dev.driftless.testing.Images;
import dev.driftless.testing.Images.Image;
import dev.driftless.testing.Images.Spec;
import dev.driftless.testing.Registry;
import dev.driftless.testing.RemoteCommands;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A compose stack on a host reached over SSH (a real sshd on 127.0.0.1, without a root: folder): the host's own
 * docker CLI and Debian's docker-compose find the test's dockerd through DOCKER_HOST, which sshd sets for the
 * session (SetEnv) as a host's own environment would, not through the inventory. A no-op sends the host two
 * commands, whatever the stack: the lock with the state, then one read that includes the engine's.
 */
class ComposeOverSshTest {

    /** Longer than a file's stat takes to be trusted (two seconds), with time for the applies in between. */
    private static final Duration SETTLE = Duration.ofSeconds(15);

    @TempDir
    Path temp;

    private DockerEngine engine;
    private Registry registry;
    private RemoteCommands remote;
    private Image image;
    private TestRepo repo;
    private SshStackHost host;
    private Path stack;

    @BeforeEach
    void engineBehindSsh() throws Exception {
        engine = DockerEngine.start(temp.resolve("docker"));
        registry = Registry.start(temp.resolve("registry"));
        image = new Images(engine, registry, temp.resolve("images")).push("app", "1", Spec.busybox());
        remote = RemoteCommands.in(temp.resolve("remote"));
        Map<String, String> env = new HashMap<>(engine.env());
        env.putAll(remote.env());
        host = SshStackHost.start(temp.resolve("host"), "ssh-stack", env);
        stack = temp.resolve("srv/app");
        repo = TestRepo.init(temp.resolve("repo"));
        repo.write("driftless.yaml", host.inventory());
        StackApp.write(repo, "app", host.name(), stack, image.reference(), StackApp.Network.NONE);
        repo.commit("an app of two containers, on a host over SSH");
    }

    @AfterEach
    void stop() throws Exception {
        host.close();
        engine.close();
        registry.close();
    }

    private Cli.Result driftless(String command) {
        return host.driftless(repo, command);
    }

    private String state(String name) {
        return engine.docker("inspect", "--format", "{{.State.Status}}", name).orThrow().output().strip();
    }

    @Test
    void aStackComesUpOverSshAndANoOpLogsInOnceAndReadsOnce() {
        Cli.Result plan = driftless("plan");
        assertThat(plan.out()).as(plan.toString()).contains("+ stack app (app)").contains("with docker-compose in " + stack);
        Cli.Result apply = driftless("apply");
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(state("app_web_1")).isEqualTo("running");
        assertThat(state("app_db_1")).isEqualTo("running");
        String web = engine.docker("inspect", "--format", "{{.Id}}", "app_web_1").orThrow().output();

        List<String> noOp = settledNoOp();

        // one login (the shell that runs the rest); the lock taken in it with the state read under it (one script),
        // one read of the files that asks the engine too, and the lock let go
        assertThat(RemoteCommands.logins(noOp)).as("the no-op's logins: %s", noOp).hasSize(1);
        assertThat(noOp).as("the no-op's remote scripts: %s", noOp).hasSize(4)
                .noneMatch(c -> c.contains("docker-compose -p"));
        assertThat(noOp.get(2)).as("the one read asks the engine too").contains("--filter label=dev.driftless.stack");
        AtomicReference<Cli.Result> check = new AtomicReference<>();
        List<String> checked = remote.during(() -> check.set(driftless("check")));
        assertThat(check.get().exitCode()).as(check.get().toString()).isZero();
        assertThat(checked).as("check's remote commands: %s", checked).hasSizeLessThanOrEqualTo(3)
                .noneMatch(c -> c.contains("docker-compose -p"));
        assertThat(engine.docker("inspect", "--format", "{{.Id}}", "app_web_1").orThrow().output()).isEqualTo(web);
    }

    /**
     * The remote commands of a no-op apply once the files of the first apply are settled: their stat is trusted two
     * seconds after they were written, so a no-op soon after the apply hashes them and records their stat (more
     * scripts), and the next one, at the latest, sends only the four it needs (one login and three scripts).
     */
    private List<String> settledNoOp() {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (true) {
            AtomicReference<Cli.Result> again = new AtomicReference<>();
            List<String> commands = remote.during(() -> again.set(driftless("apply")));
            assertThat(again.get().exitCode()).as(again.get().toString()).isZero();
            assertThat(again.get().out()).contains("nothing to do");
            if (commands.size() <= 4 || System.nanoTime() > deadline) {
                return commands;
            }
        }
    }

    @Test
    void aContainerStoppedOnTheRemoteHostIsDriftAndApplyHealsIt() {
        assertThat(driftless("apply").exitCode()).isZero();
        engine.docker("stop", "-t", "1", "app_db_1").orThrow();

        Cli.Result check = driftless("check");

        assertThat(check.exitCode()).as(check.toString()).isEqualTo(2);
        assertThat(check.out()).contains("~ stack app (app)").contains("db: app_db_1 is exited");
        Cli.Result apply = driftless("apply");
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(state("app_db_1")).isEqualTo("running");
        assertThat(driftless("check").exitCode()).isZero();
    }
}
