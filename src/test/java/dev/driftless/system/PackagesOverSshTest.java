package dev.driftless.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.DebianRoot;
import dev.driftless.testing.SshServer;
import dev.driftless.testing.SystemdMachine;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * packages: on a real Debian machine (systemd as PID 1) reached over SSH: the probe, apt-get and the drift check
 * run on the machine itself, as root (the tree has no sudo to test become: with).
 */
class PackagesOverSshTest {

    @TempDir
    Path tmp;

    Path knownHosts;

    @Test
    void installsOverSshAndReportsAndHealsAPackagePurgedByHand() throws Exception {
        Path key = SshServer.keygen(tmp.resolve("id_ed25519"));
        try (DebianRoot root = DebianRoot.create()) {
            PackageLab.demoPackages().publishTo(root.dir());
            root.chroot("apt-get", "update").orThrow(); // a machine whose lists are current
            try (SystemdMachine machine = SystemdMachine.boot(root, Path.of(key + ".pub"));
                    TestRepo repo = TestRepo.init(tmp.resolve("repo"))) {
                knownHosts = Files.writeString(tmp.resolve("known_hosts"), machine.knownHostsLine() + "\n");
                repo.write("driftless.yaml", "hosts:\n  box:\n    address: ssh://root@127.0.0.1:" + machine.port()
                        + "\n    identity: " + key + "\n")
                        .write("services/app/service.yaml", "hosts: [box]\npackages: [demo-app]\n")
                        .commit("demo-app on box");

                Cli.Result plan = run("plan", repo);
                assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2);
                assertThat(plan.out()).contains("  + package demo-app (1.1) (app)\n");

                Cli.Result apply = run("apply", repo);
                assertThat(apply.exitCode()).as(apply.toString()).isZero();
                assertThat(machine.exec("demo-app").orThrow().output()).isEqualTo("demo 1.1\n");
                Cli.Result inSync = run("check", repo);
                assertThat(inSync.exitCode()).as(inSync.toString()).isZero();

                machine.exec("dpkg", "--purge", "demo-app").orThrow();
                Cli.Result check = run("check", repo);
                assertThat(check.exitCode()).as(check.toString()).isEqualTo(2);
                assertThat(check.out()).contains("  + package demo-app (1.1) (app)  # drift: changed on the host since"
                        + " the last apply");

                Cli.Result heal = run("apply", repo);
                assertThat(heal.exitCode()).as(heal.toString()).isZero();
                assertThat(machine.exec("dpkg-query", "-W", "demo-app").orThrow().output())
                        .isEqualTo("demo-app\t1.1\n");
                Cli.Result healed = run("check", repo);
                assertThat(healed.exitCode()).as(healed.toString()).isZero();
            }
        }
    }

    private Cli.Result run(String command, TestRepo repo) {
        return Cli.run(command, "--repo", repo.dir().toString(), "--known-hosts", knownHosts.toString());
    }
}
