package dev.driftless;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Command;
import dev.driftless.testing.SshServer;
import dev.driftless.testing.SystemdMachine;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The .deb of scripts/package.sh ($DRIFTLESS_DEB, which scripts/test.sh builds and sets), installed with apt
 * on a fresh Debian 12 machine booted with systemd (the cached test tree, not the build machine): the command
 * on the PATH with its own runtime and class-data archive, the agent's unit enabled but waiting for its
 * settings, an agent that applies once it has them, and remove and purge; and the tarball beside it, put in
 * place by its install.sh.
 */
class PackageInstallTest {

    private static final Duration AGENT_DEADLINE = Duration.ofSeconds(90);
    private static final String UNIT = "driftless-agent.service";

    @TempDir
    Path tmp;

    private Path deb;
    private Path key;

    @BeforeEach
    void needsThePackage() throws Exception {
        String given = System.getenv("DRIFTLESS_DEB");
        Assumptions.assumeTrue(given != null && !given.isBlank(), "DRIFTLESS_DEB is not set: scripts/test.sh builds"
                + " the package and sets it; by hand: mvn -B -ntp -DskipTests package && export"
                + " DRIFTLESS_DEB=$(scripts/package.sh)");
        deb = Path.of(given);
        // set but wrong is a mistake to see, not a reason to skip
        assertThat(deb).as("DRIFTLESS_DEB").isRegularFile();
        key = SshServer.keygen(tmp.resolve("id_ed25519"));
    }

    @Test
    void installsTheCommandAndAnEnabledAgentThatWaitsForItsSettings() throws Exception {
        try (SystemdMachine machine = SystemdMachine.boot(Path.of(key + ".pub"))) {
            install(machine, deb);

            assertThat(machine.exec("driftless", "--version").orThrow().output()).startsWith("driftless ")
                    .doesNotContain("development");
            assertThat(machine.exec("readlink", "-f", "/usr/bin/driftless").orThrow().output())
                    .isEqualTo("/usr/lib/driftless/bin/driftless\n");
            assertThat(machine.exec("systemctl", "is-enabled", UNIT).output()).isEqualTo("enabled\n");
            assertThat(machine.exec("systemctl", "is-active", UNIT).output()).isEqualTo("inactive\n");
            // the package did start it: the condition on agent.yaml held it back
            assertThat(unitProperty(machine, "ConditionResult")).isEqualTo("no");
            assertThat(unitProperty(machine, "ExecStart"))
                    .contains("argv[]=/usr/bin/driftless agent --config /etc/driftless/agent.yaml ");
            assertThat(unitProperty(machine, "Restart")).isEqualTo("on-failure");
            assertThat(unitProperty(machine, "KillMode")).isEqualTo("mixed");
            assertThat(unitProperty(machine, "TimeoutStopUSec")).isEqualTo("6min");
            assertThat(Files.getPosixFilePermissions(machine.path("/etc/driftless")))
                    .isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x"));
            assertThat(machine.path("/etc/driftless/agent.yaml")).doesNotExist();
            assertThat(machine.path("/usr/share/doc/driftless/agent.yaml.example")).isRegularFile();
            assertUsesItsOwnRuntimeAndArchive(machine);
        }
    }

    @Test
    void agentStartsOnceItHasSettingsAppliesAndRemoveKeepsItsHistoryWhilePurgeDeletesIt() throws Exception {
        try (SystemdMachine machine = SystemdMachine.boot(Path.of(key + ".pub"));
                TestRepo repo = TestRepo.init(machine.path("/srv/infra"))) {
            install(machine, deb);
            repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n")
                    .write("services/demo/README.md", "A demo file.\n")
                    .write("services/demo/service.yaml", "hosts: [box]\nfiles:\n  - path: /etc/demo.conf\n"
                            + "    content: \"Managed by Driftless.\\n\"\n")
                    .commit("demo file on box");
            // the dashboard on a free port: the machine shares the network of the machine running the tests
            Files.writeString(machine.path("/etc/driftless/agent.yaml"),
                    "repo: /srv/infra\ninterval: 2s\nlisten: 127.0.0.1:0\n");

            machine.exec("systemctl", "start", UNIT).orThrow();
            await("the agent writes /etc/demo.conf", () -> Files.isRegularFile(machine.path("/etc/demo.conf"))
                    && read(machine.path("/etc/demo.conf")).equals("Managed by Driftless.\n"), machine);
            assertThat(machine.exec("systemctl", "is-active", UNIT).output()).isEqualTo("active\n");
            await("the agent records the apply", () -> Files.isRegularFile(machine.path("/var/lib/driftless/state/box.json"))
                    && Files.isRegularFile(machine.path("/var/lib/driftless/agent/history.db")), machine);

            // SIGTERM: the agent exits 143 when it has finished, which is a clean stop, not a failure
            machine.exec("systemctl", "stop", UNIT).orThrow();
            assertThat(machine.exec("systemctl", "is-active", UNIT).output()).isEqualTo("inactive\n");
            assertThat(unitProperty(machine, "Result")).isEqualTo("success");

            machine.exec("apt-get", "remove", "-y", "driftless").orThrow();
            assertThat(machine.path("/usr/bin/driftless")).doesNotExist();
            assertThat(machine.path("/usr/lib/driftless")).doesNotExist();
            assertThat(machine.path("/var/lib/driftless/agent/history.db")).isRegularFile();
            assertThat(machine.path("/var/lib/driftless/state/box.json")).isRegularFile();
            assertThat(machine.path("/etc/driftless/agent.yaml")).isRegularFile();

            machine.exec("apt-get", "purge", "-y", "driftless").orThrow();
            assertThat(machine.path("/var/lib/driftless")).doesNotExist();
            assertThat(machine.path("/etc/driftless")).doesNotExist();
            assertThat(machine.path("/etc/systemd/system/multi-user.target.wants/" + UNIT)).doesNotExist();
            assertThat(machine.exec("dpkg-query", "-W", "driftless").output()).contains("no packages found");
        }
    }

    @Test
    void keepsItsOwnRuntimeAndArchiveWhenDebianInstallsAJava() throws Exception {
        try (SystemdMachine machine = SystemdMachine.boot(Path.of(key + ".pub"))) {
            install(machine, deb);
            Command.Result update = machine.exec("apt-get", "update");
            Assumptions.assumeTrue(update.exitCode() == 0, "Debian's mirror is out of reach from the machine: " + update);
            // downloaded first, then installed: each step within a command's time limit
            machine.exec("apt-get", "install", "-y", "-d", "--no-install-recommends", "openjdk-17-jre-headless").orThrow();
            machine.exec("apt-get", "install", "-y", "--no-install-recommends", "openjdk-17-jre-headless").orThrow();
            assertThat(machine.exec("java", "-version").orThrow().output()).contains("17.");

            assertUsesItsOwnRuntimeAndArchive(machine);
        }
    }

    @Test
    void tarballInstallsTheSameFilesAndRemovesThem() throws Exception {
        Path tarball;
        try (java.util.stream.Stream<Path> files = Files.list(deb.getParent())) {
            tarball = files.filter(f -> f.getFileName().toString().matches("driftless-.*-linux-x64\\.tar\\.gz"))
                    .findFirst().orElseThrow(() -> new AssertionError("no tarball beside " + deb));
        }
        try (SystemdMachine machine = SystemdMachine.boot(Path.of(key + ".pub"))) {
            Files.copy(tarball, machine.path("/root/" + tarball.getFileName()));
            machine.exec("tar", "-C", "/root", "-xzf", "/root/" + tarball.getFileName()).orThrow();
            String installer = "/root/" + tarball.getFileName().toString().replace(".tar.gz", "") + "/install.sh";

            assertThat(machine.exec(installer).orThrow().output()).contains("it starts once /etc/driftless/agent.yaml exists");
            assertThat(machine.exec("systemctl", "is-enabled", UNIT).output()).isEqualTo("enabled\n");
            assertThat(machine.exec("systemctl", "is-active", UNIT).output()).isEqualTo("inactive\n");
            assertUsesItsOwnRuntimeAndArchive(machine);

            machine.exec(installer, "--purge").orThrow();
            assertThat(machine.path("/usr/lib/driftless")).doesNotExist();
            assertThat(machine.path("/usr/bin/driftless")).doesNotExist();
            assertThat(machine.path("/lib/systemd/system/" + UNIT)).doesNotExist();
            assertThat(machine.path("/var/lib/driftless")).doesNotExist();
            assertThat(machine.exec("systemctl", "is-enabled", UNIT).output()).doesNotContain("enabled");
        }
    }

    /**
     * With -Xshare:on the JVM refuses to start when it cannot map the archive; the class-loading log shows
     * the command's own classes come from it, and java.home shows whose runtime ran.
     */
    private static void assertUsesItsOwnRuntimeAndArchive(SystemdMachine machine) {
        Command.Result run = machine.exec("env", "JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64",
                "DRIFTLESS_JAVA_OPTS=-Xshare:on -Xlog:class+load=info -XshowSettings:properties", "driftless", "--version");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.output()).contains("java.home = /usr/lib/driftless/runtime\n")
                .containsPattern("dev\\.driftless\\.cli\\.Main source: shared objects file");
    }

    /** Copies {@code deb} into the machine and installs it as a user would: apt-get install ./driftless_….deb. */
    private static void install(SystemdMachine machine, Path deb) throws Exception {
        Files.copy(deb, machine.path("/root/" + deb.getFileName()));
        machine.exec("sh", "-c", "cd /root && apt-get install -y ./" + deb.getFileName()).orThrow();
    }

    private static String unitProperty(SystemdMachine machine, String name) {
        return machine.exec("systemctl", "show", "-P", name, UNIT).orThrow().output().strip();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return ""; // being written
        }
    }

    /** Polls until {@code done} within the deadline; fails with the unit's journal otherwise. */
    private static void await(String what, Supplier<Boolean> done, SystemdMachine machine) throws InterruptedException {
        long deadline = System.nanoTime() + AGENT_DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            if (done.get()) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(what + ": not within " + AGENT_DEADLINE.toSeconds() + " s; the unit's journal:\n"
                + machine.exec("journalctl", "--no-pager", "-n", "40", "-u", UNIT).output());
    }
}
