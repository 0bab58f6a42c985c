package dev.driftless;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Command;
import dev.driftless.testing.PackagedDriftless;
import dev.driftless.testing.SshServer;
import dev.driftless.testing.SystemdMachine;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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

    private static final String UNIT = PackagedDriftless.UNIT;

    @TempDir
    Path tmp;

    private Path deb;
    private Path key;

    @BeforeEach
    void needsThePackage() throws Exception {
        deb = PackagedDriftless.debOfThisBuild();
        key = SshServer.keygen(tmp.resolve("id_ed25519"));
    }

    @Test
    void installsTheCommandAndAnEnabledAgentThatWaitsForItsSettings() throws Exception {
        try (SystemdMachine machine = SystemdMachine.boot(Path.of(key + ".pub"))) {
            PackagedDriftless driftless = PackagedDriftless.install(machine, deb);

            assertThat(machine.exec("driftless", "--version").orThrow().output()).startsWith("driftless ")
                    .doesNotContain("development");
            assertThat(machine.exec("readlink", "-f", "/usr/bin/driftless").orThrow().output())
                    .isEqualTo("/usr/lib/driftless/bin/driftless\n");
            assertThat(machine.exec("systemctl", "is-enabled", UNIT).output()).isEqualTo("enabled\n");
            assertThat(machine.exec("systemctl", "is-active", UNIT).output()).isEqualTo("inactive\n");
            // the package did start it: the condition on agent.yaml held it back
            assertThat(driftless.unitProperty("ConditionResult")).isEqualTo("no");
            assertThat(driftless.unitProperty("ExecStart"))
                    .contains("argv[]=/usr/bin/driftless agent --config /etc/driftless/agent.yaml ");
            assertThat(driftless.unitProperty("Restart")).isEqualTo("on-failure");
            assertThat(driftless.unitProperty("KillMode")).isEqualTo("mixed");
            assertThat(driftless.unitProperty("TimeoutStopUSec")).isEqualTo("6min");
            assertThat(Files.getPosixFilePermissions(machine.path("/etc/driftless")))
                    .isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x"));
            assertThat(machine.path("/etc/driftless/agent.yaml")).doesNotExist();
            assertThat(machine.path("/usr/share/doc/driftless/agent.yaml.example")).isRegularFile();
            assertThat(machine.path("/usr/share/man/man1/driftless.1.gz")).isRegularFile();
            assertUsesItsOwnRuntimeAndArchive(machine);
        }
    }

    @Test
    void agentStartsOnceItHasSettingsAppliesAndRemoveKeepsItsHistoryWhilePurgeDeletesIt() throws Exception {
        try (SystemdMachine machine = SystemdMachine.boot(Path.of(key + ".pub"));
                TestRepo repo = TestRepo.init(machine.path("/srv/infra"))) {
            PackagedDriftless driftless = PackagedDriftless.install(machine, deb);
            PackagedDriftless.commitDemo(repo, "Managed by Driftless.");
            driftless.configureAgent("/srv/infra");

            machine.exec("systemctl", "start", UNIT).orThrow();
            driftless.await("the agent writes /etc/demo.conf",
                    () -> driftless.read("/etc/demo.conf").equals("Managed by Driftless.\n"));
            assertThat(machine.exec("systemctl", "is-active", UNIT).output()).isEqualTo("active\n");
            driftless.await("the agent records the apply",
                    () -> Files.isRegularFile(machine.path("/var/lib/driftless/state/box.json"))
                            && Files.isRegularFile(machine.path("/var/lib/driftless/agent/history.db")));

            // SIGTERM: the agent exits 143 when it has finished, which is a clean stop, not a failure
            machine.exec("systemctl", "stop", UNIT).orThrow();
            assertThat(machine.exec("systemctl", "is-active", UNIT).output()).isEqualTo("inactive\n");
            assertThat(driftless.unitProperty("Result")).isEqualTo("success");

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
            PackagedDriftless.install(machine, deb);
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
            assertThat(machine.path("/usr/share/man/man1/driftless.1.gz")).isRegularFile();
            assertThat(machine.exec("systemctl", "is-enabled", UNIT).output()).isEqualTo("enabled\n");
            assertThat(machine.exec("systemctl", "is-active", UNIT).output()).isEqualTo("inactive\n");
            assertUsesItsOwnRuntimeAndArchive(machine);
            // run again, it upgrades: a unit its administrator disabled stays disabled
            machine.exec("systemctl", "disable", UNIT).orThrow();
            assertThat(machine.exec(installer).orThrow().output())
                    .contains("driftless-agent.service is disabled, as it was");
            assertThat(machine.exec("systemctl", "is-enabled", UNIT).output()).isEqualTo("disabled\n");

            machine.exec(installer, "--purge").orThrow();
            assertThat(machine.path("/usr/lib/driftless")).doesNotExist();
            assertThat(machine.path("/usr/bin/driftless")).doesNotExist();
            assertThat(machine.path("/lib/systemd/system/" + UNIT)).doesNotExist();
            assertThat(machine.path("/usr/share/man/man1/driftless.1.gz")).doesNotExist();
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
}
