package dev.driftless;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.PackagedDriftless;
import dev.driftless.testing.SshServer;
import dev.driftless.testing.SystemdMachine;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upgrading an installed package in a booted Debian 12 machine as a user does, {@code apt-get install
 * ./driftless_<newer>.deb}: from a package that is $DRIFTLESS_DEB with a lower Version and nothing else changed,
 * to $DRIFTLESS_DEB itself. The package restarts a running agent on the new files and leaves its settings, state
 * and history alone; an agent without settings stays stopped.
 */
class PackageUpgradeTest {

    /** The first apply of a history document (docs/json.md): its number, agent, kind, commit, …, start. */
    private static final Pattern FIRST_APPLY = Pattern.compile(
            "\\{\"id\":\\d+,\"agent\":[^,]*,\"kind\":\"apply\",[^{}]*?\"startedAt\":\"[^\"]+\"");

    @TempDir
    Path tmp;

    private Path newer;
    private Path older;
    private Path key;

    @BeforeEach
    void twoPackagesOfThisBuild() throws Exception {
        newer = PackagedDriftless.debOfThisBuild();
        // '~' sorts before the end of a version: 0.1.0~SNAPSHOT~before is older than 0.1.0~SNAPSHOT
        older = PackagedDriftless.withVersion(newer, PackagedDriftless.version(newer) + "~before", tmp);
        key = SshServer.keygen(tmp.resolve("id_ed25519"));
    }

    @Test
    void upgradeRestartsARunningAgentOnTheNewFilesAndKeepsItsSettingsStateAndHistory() throws Exception {
        try (SystemdMachine machine = SystemdMachine.boot(Path.of(key + ".pub"));
                TestRepo repo = TestRepo.init(machine.path("/srv/infra"))) {
            PackagedDriftless driftless = PackagedDriftless.install(machine, older);
            PackagedDriftless.commitDemo(repo, "one");
            Path settings = driftless.configureAgent("/srv/infra");
            String written = Files.readString(settings);
            // an administrator's tighter folder for the credentials stays as tight
            Files.setPosixFilePermissions(machine.path("/etc/driftless"), PosixFilePermissions.fromString("rwx------"));
            machine.exec("systemctl", "start", PackagedDriftless.UNIT).orThrow();
            driftless.await("the agent writes /etc/demo.conf", () -> driftless.read("/etc/demo.conf").equals("one\n"));
            driftless.await("the agent records its apply", () -> FIRST_APPLY.matcher(history(machine)).find());
            Matcher applied = FIRST_APPLY.matcher(history(machine));
            assertThat(applied.find()).isTrue();
            String firstApply = applied.group();
            long before = driftless.mainPid();
            Object settingsFile = Files.getAttribute(settings, "unix:ino");
            byte[] token = Files.readAllBytes(machine.path("/var/lib/driftless/agent/api-token"));

            driftless.upgrade(newer);

            driftless.await("the agent runs again, as a new process",
                    () -> driftless.unitIs("active").equals("active") && driftless.mainPid() != before
                            && driftless.mainPid() != 0);
            assertThat(driftless.unitIs("enabled")).isEqualTo("enabled");
            assertThat(driftless.installedVersion()).isEqualTo(PackagedDriftless.version(newer));
            // the two packages hold one build: the program says the version the package was built from
            assertThat(machine.exec("driftless", "--version").orThrow().output())
                    .isEqualTo("driftless " + PackagedDriftless.version(newer).replace('~', '-') + "\n");
            assertRunsTheInstalledFiles(machine, driftless.mainPid());

            assertThat(settings).hasContent(written);
            assertThat(Files.getAttribute(settings, "unix:ino")).as("the inode of agent.yaml").isEqualTo(settingsFile);
            assertThat(Files.getPosixFilePermissions(machine.path("/etc/driftless")))
                    .isEqualTo(PosixFilePermissions.fromString("rwx------"));
            assertThat(machine.path("/var/lib/driftless/agent/api-token")).hasBinaryContent(token);
            assertThat(history(machine)).contains(firstApply);

            // and the new agent goes on from the kept state: it applies the next commit
            PackagedDriftless.commitDemo(repo, "two");
            driftless.await("the upgraded agent applies the next commit",
                    () -> driftless.read("/etc/demo.conf").equals("two\n"));
            assertThat(history(machine)).contains(firstApply);
            assertThat(driftless.read("/var/lib/driftless/state/box.json")).contains("/etc/demo.conf");
        }
    }

    @Test
    void upgradeLeavesAnAgentWithoutSettingsStopped() throws Exception {
        try (SystemdMachine machine = SystemdMachine.boot(Path.of(key + ".pub"))) {
            PackagedDriftless driftless = PackagedDriftless.install(machine, older);
            assertThat(driftless.unitIs("active")).isEqualTo("inactive");

            driftless.upgrade(newer);

            assertThat(driftless.installedVersion()).isEqualTo(PackagedDriftless.version(newer));
            assertThat(driftless.unitIs("enabled")).isEqualTo("enabled");
            assertThat(driftless.unitIs("active")).isEqualTo("inactive");
            // its program never ran: not even started and stopped again
            assertThat(driftless.unitProperty("ExecMainStartTimestampMonotonic")).isEqualTo("0");
            assertThat(machine.path("/etc/driftless/agent.yaml")).doesNotExist();
        }
    }

    /** The agent's history (the installed command reads /var/lib/driftless/agent/history.db), as JSON. */
    private static String history(SystemdMachine machine) {
        return machine.exec("driftless", "history", "--output", "json").output();
    }

    /**
     * The agent's process runs the files the upgrade installed: its jar and runtime are open, its class-data
     * archive is mapped, and none of what it holds open under /usr/lib/driftless was replaced since (a process of
     * the older package would hold the replaced files, which Linux shows as "(deleted)").
     */
    private static void assertRunsTheInstalledFiles(SystemdMachine machine, long pid) {
        String held = machine.exec("sh", "-c", "cat /proc/$0/maps && ls -l /proc/$0/fd", Long.toString(pid))
                .orThrow().output();
        List<String> ours = held.lines().filter(line -> line.contains("/usr/lib/driftless/")).toList();
        assertThat(ours).as("what the agent holds open under /usr/lib/driftless")
                .anyMatch(line -> line.endsWith("/usr/lib/driftless/lib/driftless.jar"))
                .anyMatch(line -> line.endsWith("/usr/lib/driftless/lib/driftless.jsa"))
                .anyMatch(line -> line.endsWith("/usr/lib/driftless/runtime/lib/modules"))
                .noneMatch(line -> line.endsWith("(deleted)"));
    }
}
