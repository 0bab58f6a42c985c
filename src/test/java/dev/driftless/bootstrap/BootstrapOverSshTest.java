package dev.driftless.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.secrets.sops.Age;
import dev.driftless.testing.Cli;
import dev.driftless.testing.Command;
import dev.driftless.testing.DebianRoot;
import dev.driftless.testing.DriftlessPackage;
import dev.driftless.testing.GitDaemon;
import dev.driftless.testing.MachineHost;
import dev.driftless.testing.SshServer;
import dev.driftless.testing.SystemdMachine;
import dev.driftless.testing.TestRepo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code driftless bootstrap ssh://root@...} into a fresh Debian machine (systemd, sshd, no Java of its own): the
 * package copied and installed, the credentials installed root's alone, the first apply as inventory host box (which
 * the inventory reaches over SSH at an address that does not exist), the agent enabled and running; a second run
 * changes nothing and says so, a third with a rotated token updates it and restarts the agent; no credential in any
 * output or in any command line seen on the machine.
 */
class BootstrapOverSshTest {

    private static final String SECRET_VALUE = "app-token-7c41e9";
    private static final String GIT_TOKEN = "git-token-51d0aa";

    @TempDir
    Path tmp;

    private final DriftlessPackage driftless = DriftlessPackage.ofThisBuild();

    private Path ageKey;
    private Path gitToken;
    private Path sshKey;
    private Age.KeyPair age;

    /** The repository as a Git server serves it: host box (reached over SSH at no real address) gets two files. */
    private Path served() throws Exception {
        age = Age.generate();
        ageKey = Files.writeString(tmp.resolve("age-key.txt"), age.identity() + "\n");
        gitToken = Files.writeString(tmp.resolve("git-token"), GIT_TOKEN + "\n");
        sshKey = SshServer.keygen(tmp.resolve("id_ed25519"));
        Path served = Files.createDirectories(tmp.resolve("served"));
        try (TestRepo repo = TestRepo.init(tmp.resolve("repo"))) {
            repo.write("driftless.yaml", "hosts:\n  box:\n    address: ssh://deploy@box.invalid\n    become: sudo\n"
                            + "  other:\n    address: ssh://deploy@other.invalid\n")
                    .write("services/motd/service.yaml", "hosts: [box]\nfiles:\n  - path: /etc/app/motd\n"
                            + "    template: motd.peb\n  - path: /etc/app/token\n    secret: token.age\n"
                            + "    mode: \"0600\"\n")
                    .write("services/motd/motd.peb", "{{ host.name }}, kept by Driftless\n")
                    .write("services/motd/token.age", Age.encrypt(SECRET_VALUE.getBytes(StandardCharsets.UTF_8),
                            List.of(age.recipient()), true))
                    .commit("motd and a token on box");
            Git.cloneRepository().setURI(repo.dir().toUri().toString()).setBare(true)
                    .setDirectory(served.resolve("infra.git").toFile()).call().close();
        }
        return served;
    }

    private List<String> bootstrap(SystemdMachine machine, Path pkg, GitDaemon daemon, int listen) throws Exception {
        Path knownHosts = Files.writeString(tmp.resolve("known_hosts"), machine.knownHostsLine() + "\n");
        return List.of("bootstrap", "ssh://root@127.0.0.1:" + machine.port(), "--package", pkg.toString(),
                "--repo", daemon.url("infra.git"), "--host", "box", "--age-key", ageKey.toString(),
                "--git-token-file", gitToken.toString(), "--listen", "127.0.0.1:" + listen,
                "--identity", sshKey.toString(), "--known-hosts", knownHosts.toString());
    }

    @Test
    void bootstrapsAFreshMachineOverSshAgainChangesNothingAndARotatedTokenRestartsTheAgent() throws Exception {
        Path served = served();
        Path deb = driftless.deb(tmp);
        try (GitDaemon daemon = GitDaemon.serve(served); DebianRoot root = DebianRoot.create()) {
            logSshCommands(root);
            try (SystemdMachine machine = SystemdMachine.boot(root, Path.of(sshKey + ".pub"), driftless.binds())) {
                List<String> bootstrap = bootstrap(machine, deb, daemon, MachineHost.freePort());
                Set<String> argvSeen = ConcurrentHashMap.newKeySet();

                Cli.Result first = whileWatchingArgv(machine, argvSeen, bootstrap);

                assertThat(first.exitCode()).as(first.toString()).isZero();
                assertThat(first.out()).as(first.toString())
                        .contains("installed package " + deb.getFileName() + "\n")
                        .contains("installed /etc/driftless/age-key.txt (0600, root)\n")
                        .contains("installed /etc/driftless/git-token (0600, root)\n")
                        .contains("installed /etc/driftless/agent.yaml (0600, root)\n")
                        .contains("  + /etc/app/motd (motd)\n")
                        .containsPattern("applied host box at [0-9a-f]{12} \\(2 added, 0 changed, 0 deleted\\)\n")
                        // the real package enables the unit when it is installed; the tests' minimal one does not
                        .containsPattern("(?m)^(enabled driftless-agent.service|unchanged driftless-agent.service"
                                + " \\(enabled\\))$")
                        .contains("started driftless-agent.service\n")
                        .contains("Bootstrap complete: this machine is host box at ");
                assertThat(machine.exec("systemctl", "is-active", "driftless-agent").output().strip())
                        .isEqualTo("active");
                assertThat(machine.exec("systemctl", "is-enabled", "driftless-agent").output().strip())
                        .isEqualTo("enabled");
                assertThat(machine.exec("cat", "/etc/app/motd").orThrow().output()).isEqualTo("box, kept by Driftless\n");
                assertThat(machine.exec("cat", "/etc/app/token").orThrow().output()).isEqualTo(SECRET_VALUE);
                assertThat(machine.exec("stat", "-c", "%n %a %U %G", "/etc/driftless", "/etc/driftless/age-key.txt",
                        "/etc/driftless/git-token", "/etc/driftless/agent.yaml").orThrow().output()).isEqualTo("""
                        /etc/driftless 755 root root
                        /etc/driftless/age-key.txt 600 root root
                        /etc/driftless/git-token 600 root root
                        /etc/driftless/agent.yaml 600 root root
                        """);
                assertThat(machine.exec("cat", "/etc/driftless/agent.yaml").orThrow().output())
                        .contains("repo: \"" + daemon.url("infra.git") + "\"\n", "as-host: \"box\"\n",
                                "age-key: /etc/driftless/age-key.txt\n", "git-token-file: /etc/driftless/git-token\n");
                machine.exec("journalctl", "--sync");
                assertThat(machine.exec("journalctl", "-u", "driftless-agent", "-o", "cat", "--no-pager").output())
                        .contains("as host box, on this machine");
                Command.Result check = machine.exec("driftless", "check", "--repo", daemon.url("infra.git"),
                        "--as-host", "box", "--age-key", "/etc/driftless/age-key.txt");
                assertThat(check.exitCode()).as(check.toString()).isZero();

                Cli.Result second = whileWatchingArgv(machine, argvSeen, bootstrap);

                assertThat(second.exitCode()).as(second.toString()).isZero();
                assertThat(second.out()).as(second.toString())
                        .contains("unchanged package " + deb.getFileName() + " (installed)\n")
                        .contains("unchanged /etc/driftless/age-key.txt\n")
                        .contains("unchanged /etc/driftless/agent.yaml\n")
                        .containsPattern("unchanged host box at [0-9a-f]{12} \\(nothing to apply\\)\n")
                        .contains("unchanged driftless-agent.service (enabled)\n")
                        .contains("unchanged driftless-agent.service (running)\n")
                        .contains("Nothing changed: this machine already is host box at ")
                        .doesNotContainPattern("(?m)^(installed|updated|applied|enabled|started|restarted) ");

                String rotated = GIT_TOKEN + "-rotated";
                Files.writeString(gitToken, rotated + "\n");
                Cli.Result third = whileWatchingArgv(machine, argvSeen, bootstrap);

                assertThat(third.exitCode()).as(third.toString()).isZero();
                assertThat(third.out()).as(third.toString())
                        .contains("updated /etc/driftless/git-token (0600, root)\n")
                        .contains("unchanged /etc/driftless/agent.yaml\n")
                        .contains("restarted driftless-agent.service (its settings changed)\n")
                        .contains("Bootstrap complete: ");
                assertThat(machine.exec("cat", "/etc/driftless/git-token").orThrow().output()).isEqualTo(rotated + "\n");
                assertThat(machine.exec("systemctl", "is-active", "driftless-agent").output().strip()).isEqualTo("active");

                List<String> seen = new ArrayList<>(argvSeen);
                seen.addAll(sshCommands(machine));
                assertThat(seen).as("command lines on the machine").anyMatch(a -> a.contains("bootstrap"))
                        .noneMatch(a -> a.contains(GIT_TOKEN) || a.contains("AGE-SECRET-KEY-")
                                || a.contains(SECRET_VALUE));
                for (Cli.Result run : List.of(first, second, third)) {
                    assertThat(run.out() + run.err()).doesNotContain(GIT_TOKEN, "AGE-SECRET-KEY-", SECRET_VALUE);
                }
            }
        }
    }

    @Test
    void aTarballIsInstalledByItsInstallShAndTheMachineBootstrapped() throws Exception {
        Path served = served();
        Path tarball = driftless.tarball(tmp);
        try (GitDaemon daemon = GitDaemon.serve(served); DebianRoot root = DebianRoot.create();
                SystemdMachine machine = SystemdMachine.boot(root, Path.of(sshKey + ".pub"), driftless.binds())) {
            Cli.Result result = Cli.run(bootstrap(machine, tarball, daemon, MachineHost.freePort()).toArray(String[]::new));

            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(result.out()).as(result.toString())
                    .contains("installed package " + tarball.getFileName() + "\n")
                    .contains("started driftless-agent.service\n");
            assertThat(machine.exec("systemctl", "is-active", "driftless-agent").output().strip()).isEqualTo("active");
            assertThat(machine.exec("cat", "/etc/app/motd").orThrow().output()).isEqualTo("box, kept by Driftless\n");
            assertThat(machine.exec("sh", "-c", "ls /tmp | grep -c driftless-bootstrap").output().strip())
                    .as("the folder the package was copied to is gone").isEqualTo("0");
        }
    }

    /** Runs the bootstrap while collecting every process's command line on the machine, as ps shows it to anyone. */
    private static Cli.Result whileWatchingArgv(SystemdMachine machine, Set<String> seen, List<String> args)
            throws InterruptedException {
        AtomicBoolean done = new AtomicBoolean();
        Thread watcher = new Thread(() -> {
            while (!done.get()) {
                machine.exec("ps", "-eo", "args").output().lines().forEach(seen::add);
            }
        }, "argv-watcher");
        watcher.start();
        try {
            return Cli.run(args.toArray(String[]::new));
        } finally {
            done.set(true);
            watcher.join();
        }
    }

    /** Makes root's bash log the command of every SSH session (sshd runs them as bash -c, which reads .bashrc). */
    private static void logSshCommands(DebianRoot root) throws Exception {
        Path bashrc = root.path("/root/.bashrc");
        String was = Files.exists(bashrc) ? Files.readString(bashrc) : "";
        Files.writeString(bashrc, "case \"$(cat /proc/$PPID/comm 2>/dev/null)\" in sshd*) printf '%s\\0'"
                + " \"$BASH_EXECUTION_STRING\" >> /root/ssh-commands.log;; esac\n" + was);
    }

    private static List<String> sshCommands(SystemdMachine machine) {
        String log = machine.exec("cat", "/root/ssh-commands.log").output();
        return List.of(log.split("\0"));
    }
}
