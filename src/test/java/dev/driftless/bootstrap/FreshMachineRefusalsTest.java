package dev.driftless.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Command;
import dev.driftless.testing.DebianRoot;
import dev.driftless.testing.DriftlessPackage;
import dev.driftless.testing.SshServer;
import dev.driftless.testing.SystemdMachine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code driftless bootstrap} run (as this build's classes) on a fresh Debian machine with systemd but without the
 * package: it refuses, saying to install the package, and to a user other than root, saying to run it as root.
 */
class FreshMachineRefusalsTest {

    private static final DriftlessPackage DRIFTLESS = DriftlessPackage.ofThisBuild();
    private static Path dir;
    private static DebianRoot root;
    private static SystemdMachine machine;

    @BeforeAll
    static void boot() throws Exception {
        dir = Files.createTempDirectory("driftless-fresh-machine");
        Path key = SshServer.keygen(dir.resolve("id_ed25519"));
        root = DebianRoot.create();
        machine = SystemdMachine.boot(root, Path.of(key + ".pub"), DRIFTLESS.binds());
    }

    @AfterAll
    static void powerOff() throws Exception {
        if (machine != null) {
            machine.close();
        }
        if (root != null) {
            root.close();
        }
        Command.run(java.time.Duration.ofSeconds(30), "rm", "-rf", dir.toString());
    }

    @Test
    void withoutThePackageItSaysToInstallItAndWritesNothing() {
        Command.Result refused = machine.exec(DRIFTLESS.command(BootstrapRefusalsTest.bootstrap()).toArray(String[]::new));

        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(1);
        assertThat(refused.output()).contains("Error: driftless-agent.service is not installed here")
                .contains("apt-get install ./driftless_VERSION_amd64.deb");
        assertThat(machine.exec("test", "-e", "/etc/driftless").exitCode()).isNotZero();
    }

    @Test
    void aUserOtherThanRootIsToldToRunItAsRoot() {
        // uid nobody; gid root only so that it can read the build's classes (the Maven repository is 0750)
        List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=0", "--clear-groups"));
        command.addAll(DRIFTLESS.command(BootstrapRefusalsTest.bootstrap()));

        Command.Result refused = machine.exec(command.toArray(String[]::new));

        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(1);
        assertThat(refused.output()).contains("Error: driftless bootstrap must run as root")
                .contains("sudo driftless bootstrap");
    }
}
