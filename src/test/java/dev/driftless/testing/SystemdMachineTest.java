package dev.driftless.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.AptRepo.Deb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A booted Debian machine: systemd as PID 1, sshd on its own loopback port, units and packages inside. */
class SystemdMachineTest {

    @TempDir
    Path temp;

    @Test
    void bootsToMultiUserAndLetsRootInOverSshOnItsOwnPort() throws Exception {
        Path key = SshServer.keygen(temp.resolve("id_ed25519"));
        try (SystemdMachine machine = SystemdMachine.boot(Path.of(key + ".pub"))) {
            System.out.println("machine on port " + machine.port() + " booted in " + machine.bootTime().toMillis() + " ms");
            assertThat(machine.exec("systemctl", "is-active", "multi-user.target").orThrow().output()).isEqualTo("active\n");

            Path knownHosts = Files.writeString(temp.resolve("known_hosts"), machine.knownHostsLine() + "\n");
            Command.Result ssh = Command.run(java.time.Duration.ofSeconds(30), List.of("ssh", "-i", key.toString(),
                    "-p", Integer.toString(machine.port()), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
                    "-o", "UserKnownHostsFile=" + knownHosts, "root@127.0.0.1",
                    "systemctl is-system-running --wait; cat /proc/1/comm; id -un"));
            assertThat(ssh.orThrow().output()).isEqualTo("running\nsystemd\nroot\n");
        }
    }

    @Test
    void startsAUnitCopiedIntoItsRoot() throws Exception {
        Path key = SshServer.keygen(temp.resolve("id_ed25519"));
        try (SystemdMachine machine = SystemdMachine.boot(Path.of(key + ".pub"))) {
            Files.writeString(machine.path("/etc/systemd/system/hello.service"), String.join("\n",
                    "[Service]",
                    "StateDirectory=hello",
                    "# systemd turns $$ into $, so the shell sees $$: its own pid, which systemd calls MainPID",
                    "ExecStart=/bin/sh -c 'echo \"hello from $$$$\" > /var/lib/hello/started; exec sleep infinity'",
                    ""));
            machine.exec("systemctl", "daemon-reload").orThrow();
            machine.exec("systemctl", "start", "hello.service").orThrow();

            assertThat(machine.exec("systemctl", "is-active", "hello.service").output()).isEqualTo("active\n");
            String pid = machine.exec("systemctl", "show", "-P", "MainPID", "hello.service").orThrow().output().strip();
            assertThat(Files.readString(machine.path("/var/lib/hello/started"))).isEqualTo("hello from " + pid + "\n");
        }
    }

    @Test
    void installsAPackageFromTheLocalRepositoryWhileRunning() throws Exception {
        Path key = SshServer.keygen(temp.resolve("id_ed25519"));
        AptRepo repo = AptRepo.create(temp.resolve("repo")).add(Deb.of("demo-app", "1.0")
                .script("/usr/bin/demo-app", "#!/bin/sh\nexec sleep infinity\n")
                .unit("demo-app.service", "[Service]\nExecStart=/usr/bin/demo-app\n[Install]\nWantedBy=multi-user.target\n")
                .postinst("#!/bin/sh\nset -e\nsystemctl daemon-reload\nsystemctl enable --now demo-app.service\n"));
        try (SystemdMachine machine = SystemdMachine.boot(Path.of(key + ".pub"))) {
            repo.publishTo(machine.root());

            machine.exec("apt-get", "update").orThrow();
            machine.exec("apt-get", "install", "-y", "demo-app").orThrow();

            assertThat(machine.exec("systemctl", "is-active", "demo-app.service").output()).isEqualTo("active\n");
            assertThat(machine.exec("systemctl", "is-enabled", "demo-app.service").output()).isEqualTo("enabled\n");
        }
    }
}
