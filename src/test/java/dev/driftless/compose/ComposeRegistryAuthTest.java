package dev.driftless.compose;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.CapturedLogs;
import dev.driftless.testing.Cli;
import dev.driftless.testing.DockerEngine;
import dev.driftless.testing.Images;
import dev.driftless.testing.Images.Image;
import dev.driftless.testing.Images.Spec;
import dev.driftless.testing.Registry;
import dev.driftless.testing.Registry.Login;
import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stack whose images are only on a registry that wants a login (Debian's docker-registry with htpasswd), pulled by
 * a real dockerd with the login of the host's {@code registries:} in driftless.yaml, its password a SOPS secret of
 * the repository. Without the right password the pull fails in the engine's words and what ran before still runs;
 * the password shows nowhere: not in apply's output (text or JSON), the host state, the agent's history and logs;
 * and the private folder the command kept the login in is gone after it.
 */
class ComposeRegistryAuthTest {

    static final String PASSWORD = "registry-pass-5c1e9b77";
    static final String WRONG = "not-the-password-0d4a2f";
    static final Login LOGIN = new Login("deployer", PASSWORD);

    @TempDir
    Path temp;

    private DockerEngine engine;
    private Registry registry;
    private Images images;
    private TestRepo repo;
    private String host;
    private Path stack;
    private Path key;
    private String recipient;

    @BeforeEach
    void privateRegistryAndRepository() throws Exception {
        engine = DockerEngine.start(temp.resolve("docker"));
        registry = Registry.start(temp.resolve("registry"), LOGIN);
        // the test's own CLI pushes with its own login; Driftless's commands never see it
        engine.docker("login", "-u", LOGIN.username(), "-p", PASSWORD, registry.address()).orThrow();
        images = new Images(engine, registry, temp.resolve("images"));
        host = "registry-auth-" + UUID.randomUUID().toString().substring(0, 8);
        stack = temp.resolve("srv/app");
        key = temp.resolve("keys.txt");
        Cli.Result keygen = Cli.run("secrets", "keygen", "-o", key.toString());
        assertThat(keygen.exitCode()).as(keygen.toString()).isZero();
        recipient = keygen.err().lines().filter(l -> l.startsWith("Public key: ")).findFirst().orElseThrow()
                .substring("Public key: ".length());
        repo = TestRepo.init(temp.resolve("repo"));
        inventory(true);
        password(PASSWORD);
        app(onlyOnTheRegistry("1"));
        repo.commit("app from the private registry, its login from a secret");
    }

    @AfterEach
    void stop() throws Exception {
        try {
            engine.close();
        } finally {
            registry.close();
            Files.deleteIfExists(Path.of("/var/lib/driftless/state/" + host + ".json"));
        }
    }

    /** Pushes a distinct image under {@code private/app:TAG} and removes it from the engine: only a pull brings it. */
    private Image onlyOnTheRegistry(String tag) throws IOException {
        Image image = images.push("private/app", tag, Spec.busybox().withFile("/etc/release", tag + "\n"));
        engine.docker("image", "rm", image.reference()).orThrow();
        return image;
    }

    private void inventory(boolean withLogin) {
        repo.write("driftless.yaml", "hosts:\n  " + host + ":\n    address: local\n    dockerHost: unix://"
                + engine.socket() + "\n" + (withLogin ? "    registries:\n      " + registry.address()
                + ": { username: deployer, password: { secret: registry.password } }\n" : ""));
    }

    private void password(String password) {
        repo.write("secrets/registry.sops.yaml", "password: " + password + "\n");
        Cli.Result encrypted = Cli.run("secrets", "encrypt", "--in-place", "--age", recipient,
                repo.dir().resolve("secrets/registry.sops.yaml").toString());
        assertThat(encrypted.exitCode()).as(encrypted.toString()).isZero();
    }

    private void app(Image image) {
        StackApp.write(repo, "app", host, stack, image.reference(), StackApp.Network.NONE);
    }

    private Cli.Result driftless(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--repo", repo.dir().toString(), "--age-key", key.toString()));
        return Cli.run(all.toArray(String[]::new));
    }

    private String image(String container) {
        return engine.docker("inspect", "--format", "{{.Config.Image}} {{.State.Status}}", container).orThrow().output()
                .strip();
    }

    /** The folders the stack commands kept logins in that are still there. */
    private static Set<String> loginFolders() throws IOException {
        try (Stream<Path> tmp = Files.list(Path.of("/tmp"))) {
            return tmp.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("driftless-registry."))
                    .collect(Collectors.toSet());
        }
    }

    /** Neither password, nor the login as the engine's file holds it. */
    private static void showsNoPassword(String what, String text) {
        for (String secret : List.of(PASSWORD, WRONG, basic(PASSWORD), basic(WRONG))) {
            assertThat(text).as(what).doesNotContain(secret);
        }
    }

    private static String basic(String password) {
        return Base64.getEncoder().encodeToString(("deployer:" + password).getBytes(StandardCharsets.UTF_8));
    }

    private String stateFile() throws IOException {
        return Files.readString(Path.of("/var/lib/driftless/state/" + host + ".json"));
    }

    @Test
    void aStackWhoseImageIsOnlyOnThePrivateRegistryComesUpWithTheLoginFromASecret() throws Exception {
        Set<String> before = loginFolders();
        Cli.Result plan = driftless("plan");
        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2); // changes pending
        assertThat(plan.out()).contains("web: create (" + registry.address() + "/private/app:1)")
                .contains("registry logins: " + registry.address() + " (from driftless.yaml; values never shown)");

        Cli.Result apply = driftless("apply", "--output", "json");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(image("app_web_1")).isEqualTo(registry.address() + "/private/app:1 running");
        assertThat(image("app_db_1")).isEqualTo(registry.address() + "/private/app:1 running");
        showsNoPassword("plan", plan.out() + plan.err());
        showsNoPassword("apply --output json", apply.out() + apply.err());
        showsNoPassword("the host state", stateFile());
        assertThat(loginFolders()).as("the login's folder is removed after the command").isEqualTo(before);
        Cli.Result again = driftless("apply");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).contains("nothing to do");
    }

    @Test
    void aWrongPasswordFailsTheStackInTheEnginesWordsAndWhatRanBeforeStillRuns() throws Exception {
        Cli.Result first = driftless("apply");
        assertThat(first.exitCode()).as(first.toString()).isZero();
        String web = engine.docker("inspect", "--format", "{{.Id}}", "app_web_1").orThrow().output().strip();
        Set<String> before = loginFolders();
        app(onlyOnTheRegistry("2"));
        password(WRONG);
        repo.write("services/other/service.yaml", "hosts: [" + host + "]\nfiles:\n  - path: " + temp.resolve("other.conf")
                + "\n    content: x\n");
        repo.commit("app 2, and the password is wrong");

        Cli.Result apply = driftless("apply");

        assertThat(apply.exitCode()).as(apply.toString()).isNotZero();
        String output = apply.out() + apply.err();
        assertThat(output).contains("services/app/service.yaml:").contains("an image of the stack could not be pulled")
                .containsPattern("unauthorized|authentication required|no basic auth credentials");
        showsNoPassword("a failed apply", output);
        showsNoPassword("the host state after a failure", stateFile());
        assertThat(engine.docker("inspect", "--format", "{{.Id}}", "app_web_1").orThrow().output().strip())
                .isEqualTo(web);
        assertThat(image("app_web_1")).isEqualTo(registry.address() + "/private/app:1 running");
        assertThat(temp.resolve("other.conf")).hasContent("x");
        assertThat(loginFolders()).isEqualTo(before);
    }

    @Test
    void aHostWithoutRegistriesPullsWithItsEnginesOwnLoginsAndIsRefused() {
        inventory(false);
        repo.commit("no registries for the host");

        Cli.Result apply = driftless("apply");

        assertThat(apply.exitCode()).as(apply.toString()).isNotZero();
        assertThat(apply.out() + apply.err()).contains("an image of the stack could not be pulled")
                .containsPattern("unauthorized|authentication required|no basic auth credentials")
                .doesNotContain("registry logins");
    }

    @Test
    void theAgentKeepsThePasswordOutOfItsHistoryAndLogs() throws Exception {
        Path state = temp.resolve("agent");
        List<String> logged;
        Cli.Result applied;
        Cli.Result failed;
        try (CapturedLogs logs = CapturedLogs.start()) {
            applied = agentOnce(state);
            app(onlyOnTheRegistry("2"));
            password(WRONG);
            repo.commit("app 2, and the password is wrong");
            failed = agentOnce(state);
            logged = logs.lines();
        }

        assertThat(applied.exitCode()).as(applied.toString()).isZero();
        assertThat(image("app_web_1")).isEqualTo(registry.address() + "/private/app:1 running");
        assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(1);
        assertThat(String.join("\n", logged)).contains("could not be pulled");
        showsNoPassword("the agent's logs", String.join("\n", logged));
        showsNoPassword("the agent's output", applied.out() + applied.err() + failed.out() + failed.err());
        Cli.Result history = Cli.run("history", "--state-dir", state.toString(), "--output", "json");
        assertThat(history.out()).contains("could not be pulled");
        showsNoPassword("history --output json", history.out());
        try (Stream<Path> files = Files.walk(state)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                showsNoPassword(file.toString(), new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
            }
        }
    }

    private Cli.Result agentOnce(Path state) {
        return Cli.run("agent", "--once", "--repo", "file://" + repo.dir(), "--agent-id", "registry-test",
                "--state-dir", state.toString(), "--age-key", key.toString());
    }
}
