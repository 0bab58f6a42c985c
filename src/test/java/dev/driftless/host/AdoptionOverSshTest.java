package dev.driftless.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.SshServer;
import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Taking over a file that exists on a real OpenSSH host, as root and through sudo: backup, restore, forget. */
class AdoptionOverSshTest {

    @TempDir
    static Path server;

    @TempDir
    Path tmp;

    static SshServer sshd;
    static Path userKey;

    @BeforeAll
    static void startServer() throws Exception {
        userKey = SshServer.keygen(server.resolve("user_key"));
        sshd = SshServer.start(server.resolve("sshd"), server.resolve("user_key.pub"));
    }

    @AfterAll
    static void stopServer() throws InterruptedException {
        sshd.close();
    }

    private Cli.Result run(TestRepo repo, String command, String... more) throws IOException {
        Path knownHosts = tmp.resolve("known_hosts");
        Files.writeString(knownHosts, sshd.knownHostsLine() + "\n");
        List<String> args = new ArrayList<>(List.of(command, "--repo", repo.dir().toString(),
                "--known-hosts", knownHosts.toString()));
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    @ParameterizedTest(name = "sudo: {0}")
    @ValueSource(booleans = {false, true})
    void aFileTakenOverIsBackedUpPrivatelyAndPutBackWhenItLeavesTheRepository(boolean sudo) throws IOException {
        Path root = Files.createDirectories(tmp.resolve("host"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/app.conf"), "port = 80\n");
        Files.setPosixFilePermissions(root.resolve("etc/app.conf"), PosixFilePermissions.fromString("rw-r-----"));
        TestRepo repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: ssh://" + (sudo ? "driftless-sudo" : "root")
                + "@127.0.0.1:" + sshd.port() + "\n    identity: " + userKey + "\n    root: " + root + "\n"
                + (sudo ? "    become: sudo\n" : ""));
        repo.write("services/app/service.yaml", """
                hosts: [box]
                files:
                  - path: /etc/app.conf
                    content: "port = 8080\\n"
                    mode: "0644"
                  - path: /etc/other.conf
                    content: "other\\n"
                """);
        repo.commit("app");

        Cli.Result plan = run(repo, "plan");
        assertThat(plan.out()).as(plan.toString()).contains("  ~ /etc/app.conf (app) (adopted: exists, not yet managed)",
                "-port = 80", "+port = 8080");

        Cli.Result apply = run(repo, "apply");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(Files.readString(root.resolve("etc/app.conf"))).isEqualTo("port = 8080\n");
        Path backup = root.resolve("var/lib/driftless/backups/box/etc%2Fapp.conf");
        assertThat(Files.readString(backup)).isEqualTo(
                "driftless-backup 1\nkind file\nmode 0640\nowner root\ngroup root\n\nport = 80\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(backup))).isEqualTo("rw-------");
        assertThat(Files.getOwner(backup).getName()).isEqualTo("root");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(backup.getParent())))
                .isEqualTo("rwx------");

        repo.write("services/app/service.yaml", """
                hosts: [box]
                files:
                  - path: /etc/other.conf
                    content: "other\\n"
                """);
        repo.commit("app: the repository no longer has app.conf");
        Cli.Result back = run(repo, "apply");

        assertThat(back.exitCode()).as(back.toString()).isZero();
        assertThat(back.out()).contains("  - /etc/app.conf (app) (restore: what was there before Driftless)");
        assertThat(Files.readString(root.resolve("etc/app.conf"))).isEqualTo("port = 80\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("etc/app.conf"))))
                .isEqualTo("rw-r-----");
        assertThat(backup).doesNotExist();
        assertThat(run(repo, "check").exitCode()).isZero();

        Cli.Result forget = run(repo, "forget", "/etc/other.conf");
        assertThat(forget.exitCode()).as(forget.toString()).isZero();
        assertThat(forget.out()).contains("  forgot /etc/other.conf: left as it is");
        assertThat(run(repo, "plan").out()).contains("  ~ /etc/other.conf (app) (adopted: exists, not yet managed)");
    }
}
