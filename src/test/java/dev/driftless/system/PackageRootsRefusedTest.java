package dev.driftless.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.Command;
import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A --root that cannot take packages is refused with a clear error before anything is applied there: a folder
 * with no dpkg database (the packages never go to this machine instead), and a root with rpm, not supported yet.
 */
class PackageRootsRefusedTest {

    @TempDir
    Path tmp;

    Path repo;

    @BeforeEach
    void repository() {
        repo = tmp.resolve("repo");
        try (TestRepo git = TestRepo.init(repo)) {
            git.write("driftless.yaml", "hosts:\n  lab:\n    address: local\n")
                    .write("services/app/service.yaml", """
                            hosts: [lab]
                            files:
                              - path: /etc/app.conf
                                content: "x\\n"
                            packages: [demo-app]
                            """)
                    .commit("app");
        }
    }

    @Test
    void aRootWithoutADpkgDatabaseIsRefusedAndNothingIsInstalledOnThisMachine() throws IOException {
        assertThat(dpkgOfThisMachineKnows("demo-app")).as("this machine has no demo-app to begin with").isFalse();
        Path root = Files.createDirectories(tmp.resolve("empty-root"));

        Cli.Result apply = Cli.on("apply", repo, root);

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
        assertThat(apply.out()).contains("lab: error: services/app/service.yaml:5: packages[0]: packages under the"
                + " root " + root + " need a Debian tree there (" + root + "/var/lib/dpkg); a --root apply never"
                + " installs packages on this machine itself");
        assertThat(root.resolve("etc/app.conf")).doesNotExist();
        assertThat(dpkgOfThisMachineKnows("demo-app")).isFalse();
    }

    @Test
    void aRootWithRpmIsRefusedAsNotSupportedYet() throws IOException {
        Path root = tmp.resolve("rpm-root");
        Path rpm = Files.createDirectories(root.resolve("usr/bin")).resolve("rpm");
        Files.writeString(rpm, "#!/bin/sh\nexit 1\n"); // found by its place, never run: Driftless reads no rpm database
        Files.setPosixFilePermissions(rpm, PosixFilePermissions.fromString("rwxr-xr-x"));

        Cli.Result apply = Cli.on("apply", repo, root);

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
        assertThat(apply.out()).contains("lab: error: services/app/service.yaml:5: packages[0]: lab uses rpm: packages"
                + " on rpm/dnf hosts are not supported yet (only Debian and Ubuntu, with dpkg and apt)");
        assertThat(root.resolve("etc/app.conf")).doesNotExist();
    }

    private static boolean dpkgOfThisMachineKnows(String name) {
        return Command.run(Duration.ofSeconds(30), "dpkg-query", "-W", "--", name).exitCode() == 0;
    }
}
