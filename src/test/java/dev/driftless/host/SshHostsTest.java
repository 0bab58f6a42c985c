package dev.driftless.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.SshServer;
import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * plan, apply and check over SSH against three real OpenSSH servers on loopback ports, each its own
 * host with its own host key and its own root folder.
 */
class SshHostsTest {

    @TempDir
    static Path servers;

    @TempDir
    Path tmp;

    static final List<SshServer> hosts = new ArrayList<>();
    static Path userKey;
    Path knownHosts;
    TestRepo repo;

    @BeforeAll
    static void startServers() throws Exception {
        userKey = SshServer.keygen(servers.resolve("user_key"));
        for (int i = 1; i <= 3; i++) {
            hosts.add(SshServer.start(servers.resolve("sshd-" + i), servers.resolve("user_key.pub")));
        }
    }

    @AfterAll
    static void stopServers() throws InterruptedException {
        for (SshServer server : hosts) {
            server.close();
        }
        hosts.clear();
    }

    @BeforeEach
    void setUp() throws IOException {
        knownHosts = tmp.resolve("known_hosts");
        List<String> lines = new ArrayList<>();
        for (SshServer server : hosts) {
            lines.add(server.knownHostsLine());
        }
        Files.write(knownHosts, lines);
        repo = TestRepo.init(tmp.resolve("repo"));
        StringBuilder inventory = new StringBuilder("hosts:\n");
        for (int i = 0; i < hosts.size(); i++) {
            inventory.append("  web-").append(i + 1).append(":\n")
                    .append("    address: ssh://root@127.0.0.1:").append(hosts.get(i).port()).append('\n')
                    .append("    root: ").append(rootOf(i)).append('\n')
                    .append("    identity: ").append(userKey).append('\n')
                    .append("    groups: [web]\n");
        }
        repo.write("driftless.yaml", inventory.toString());
        repo.write("services/nginx/service.yaml", """
                hosts: [web]
                files:
                  - path: /etc/nginx/nginx.conf
                    source: nginx.conf
                    mode: "0640"
                    onChange: [reload]
                  - path: /etc/nginx/site.conf
                    template: site.conf.peb
                  - path: /srv/www
                    type: directory
                  - path: /etc/nginx/enabled
                    type: symlink
                    target: /etc/nginx/site.conf
                handlers:
                  reload: echo "reloaded on $DRIFTLESS_HOST" >> "$DRIFTLESS_ROOT/reload.log"
                """);
        repo.write("services/nginx/nginx.conf", "worker_processes 2;\n");
        repo.write("services/nginx/site.conf.peb", "server_name {{ host.name }}.example.org;\n");
        repo.commit("three web servers");
    }

    private Path rootOf(int host) {
        return tmp.resolve("host-" + (host + 1));
    }

    private Cli.Result run(String command, String... more) {
        List<String> args = new ArrayList<>(List.of(command, "--repo", repo.dir().toString(),
                "--known-hosts", knownHosts.toString()));
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    @Test
    void applyWritesEveryHostOverSshAndASecondApplyFindsNothingToDo() throws IOException {
        Cli.Result apply = run("apply");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        String out = apply.out();
        for (int i = 1; i <= 3; i++) {
            assertThat(out).contains("  web-" + i + ": applied (4 added, 0 changed, 0 deleted)");
            // hosts run in parallel, yet each host's lines stay together under its header
            int header = out.indexOf("web-" + i + " (ssh://root@127.0.0.1:");
            String block = out.substring(header, out.indexOf("handler nginx/reload", header));
            assertThat(block).contains("+ /etc/nginx/nginx.conf", "+ /etc/nginx/site.conf", "+ /srv/www",
                    "+ /etc/nginx/enabled").doesNotContain("web-" + (i % 3 + 1) + " (");
        }
        for (int i = 0; i < hosts.size(); i++) {
            Path root = rootOf(i);
            assertThat(Files.readString(root.resolve("etc/nginx/nginx.conf"))).isEqualTo("worker_processes 2;\n");
            assertThat((Integer) Files.getAttribute(root.resolve("etc/nginx/nginx.conf"), "unix:mode") & 07777)
                    .isEqualTo(0640);
            assertThat(Files.readString(root.resolve("etc/nginx/site.conf")))
                    .isEqualTo("server_name web-" + (i + 1) + ".example.org;\n");
            assertThat(Files.readSymbolicLink(root.resolve("etc/nginx/enabled"))).isEqualTo(Path.of("/etc/nginx/site.conf"));
            assertThat(Files.isDirectory(root.resolve("srv/www"))).isTrue();
            assertThat(Files.readString(root.resolve("reload.log"))).isEqualTo("reloaded on web-" + (i + 1) + "\n");
        }
        Cli.Result again = run("apply");
        assertThat(again.exitCode()).isZero();
        assertThat(again.out()).contains("Apply complete: 0 added, 0 changed, 0 deleted.");
        assertThat(run("check").exitCode()).isZero();
    }

    @Test
    void driftOnOneHostIsReportedForThatHostOnlyAndHealed() throws IOException {
        assertThat(run("apply").exitCode()).isZero();
        Files.writeString(rootOf(1).resolve("etc/nginx/site.conf"), "edited by hand\n");

        Cli.Result check = run("check");

        assertThat(check.exitCode()).isEqualTo(2);
        assertThat(check.out()).contains("~ /etc/nginx/site.conf (nginx)  # drift", "-edited by hand",
                "+server_name web-2.example.org;", "Plan: 0 to add, 1 to change, 0 to delete.");
        assertThat(check.out().lines().filter(l -> l.contains(": no changes.")).count()).isEqualTo(2);
        assertThat(run("apply").exitCode()).isZero();
        assertThat(Files.readString(rootOf(1).resolve("etc/nginx/site.conf"))).isEqualTo("server_name web-2.example.org;\n");
    }

    @Test
    void anUnknownHostKeyIsRefusedWithItsFingerprintUnlessNewKeysAreAccepted() throws IOException {
        Files.delete(knownHosts);

        Cli.Result refused = run("apply");

        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.out()).contains("is not in " + knownHosts, "fingerprint SHA256:");
        assertThat(rootOf(0).resolve("etc")).doesNotExist();

        Cli.Result accepted = run("apply", "--accept-new-host-keys");
        assertThat(accepted.exitCode()).as(accepted.toString()).isZero();
        // one whole line per host, though the three were connected to at once
        assertThat(Files.readAllLines(knownHosts)).hasSize(3)
                .allMatch(l -> l.matches("\\[127\\.0\\.0\\.1]:\\d+ ssh-ed25519 \\S+"), "a [127.0.0.1]:port ssh-ed25519 line");
        assertThat(run("check").exitCode()).as("the recorded keys are now known").isZero();
    }

    @Test
    void aChangedHostKeyIsAlwaysRefused() throws Exception {
        Path otherKey = SshServer.keygen(tmp.resolve("other_host_key"));
        String wrong = "[127.0.0.1]:" + hosts.get(0).port() + " " + Files.readString(Path.of(otherKey + ".pub")).trim();
        List<String> lines = new ArrayList<>(Files.readAllLines(knownHosts));
        lines.set(0, wrong);
        Files.write(knownHosts, lines);

        Cli.Result apply = run("apply", "--accept-new-host-keys");

        assertThat(apply.exitCode()).isEqualTo(1);
        assertThat(apply.out()).contains("web-1: error: cannot connect", "CHANGED");
        assertThat(rootOf(0).resolve("etc")).doesNotExist();
        assertThat(rootOf(1).resolve("etc/nginx/nginx.conf")).exists();
    }

    @Test
    void aHostThatCannotBeReachedFailsAloneAndTheOthersAreApplied() throws Exception {
        repo.write("driftless.yaml", Files.readString(repo.dir().resolve("driftless.yaml"))
                .replace(":" + hosts.get(2).port(), ":1")).commit("web-3 on a closed port");

        Cli.Result apply = run("apply");

        assertThat(apply.exitCode()).isEqualTo(1);
        assertThat(apply.out()).contains("web-3: error: cannot connect to ssh://root@127.0.0.1:1");
        assertThat(rootOf(0).resolve("etc/nginx/nginx.conf")).exists();
        assertThat(rootOf(1).resolve("etc/nginx/nginx.conf")).exists();
    }

    @Test
    void aHostThatAcceptsTheConnectionButNeverAnswersTimesOutAlone() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            repo.write("driftless.yaml", Files.readString(repo.dir().resolve("driftless.yaml"))
                    .replace(":" + hosts.get(2).port(), ":" + silent.getLocalPort())).commit("web-3 hangs");

            Cli.Result apply = run("apply", "--ssh-timeout", "2s");

            assertThat(apply.exitCode()).isEqualTo(1);
            assertThat(apply.out()).contains("web-3: error: cannot connect to ssh://root@127.0.0.1:" + silent.getLocalPort());
            assertThat(rootOf(0).resolve("etc/nginx/nginx.conf")).exists();
        }
    }

    @Test
    void aDirectoryWhereAFileBelongsIsAClearPerHostErrorAndNothingIsHalfWritten() throws IOException {
        Files.createDirectories(rootOf(0).resolve("etc/nginx/nginx.conf"));

        Cli.Result apply = run("apply");

        assertThat(apply.exitCode()).isEqualTo(1);
        assertThat(apply.out()).contains("web-1: error: /etc/nginx/nginx.conf is a directory on the host");
        assertThat(Files.isDirectory(rootOf(0).resolve("etc/nginx/nginx.conf"))).isTrue();
        assertThat(rootOf(1).resolve("etc/nginx/nginx.conf")).exists();
    }

    @Test
    void aFullDiskFailsTheWriteAndKeepsTheOldFile() throws Exception {
        assertThat(run("apply").exitCode()).isZero();
        Path small = rootOf(0).resolve("etc/nginx");
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", small.toString())
                .redirectErrorStream(true).start();
        assertThat(mount.waitFor()).as(new String(mount.getInputStream().readAllBytes())).isZero();
        try {
            Files.writeString(small.resolve("nginx.conf"), "worker_processes 1;\n");
            repo.write("services/nginx/nginx.conf", "x".repeat(200_000) + "\n").commit("a file larger than the disk");

            Cli.Result apply = run("apply");

            assertThat(apply.exitCode()).isEqualTo(1);
            assertThat(apply.out()).contains("web-1: error: cannot write /etc/nginx/nginx.conf", "No space left on device",
                    "what was there is unchanged");
            assertThat(Files.readString(small.resolve("nginx.conf"))).isEqualTo("worker_processes 1;\n");
            try (var files = Files.list(small)) {
                assertThat(files.map(p -> p.getFileName().toString())).doesNotContain(".nginx.conf.driftless-tmp");
            }
            assertThat(Files.readString(rootOf(1).resolve("etc/nginx/nginx.conf"))).hasSize(200_001);
        } finally {
            new ProcessBuilder("umount", small.toString()).start().waitFor();
        }
    }

    /** Points web-1 at {@code user}, with or without become: sudo, and its root in a folder only root may write. */
    private void web1As(String user, boolean sudo) throws IOException {
        Path root = rootOf(0);
        Files.createDirectories(root);
        Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        String inventory = Files.readString(repo.dir().resolve("driftless.yaml"))
                .replace("ssh://root@127.0.0.1:" + hosts.get(0).port(), "ssh://" + user + "@127.0.0.1:" + hosts.get(0).port())
                .replace("  web-2:", (sudo ? "    become: sudo\n" : "") + "  web-2:");
        repo.write("driftless.yaml", inventory).commit("web-1 as " + user);
    }

    @Test
    void aUserWithSudoWritesThroughSudo() throws IOException {
        web1As("driftless-sudo", true);

        Cli.Result apply = run("apply", "--host", "web-1");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        Path conf = rootOf(0).resolve("etc/nginx/nginx.conf");
        assertThat(Files.getOwner(conf).getName()).isEqualTo("root");
        assertThat(Files.readString(rootOf(0).resolve("reload.log"))).isEqualTo("reloaded on web-1\n");
        assertThat(run("check", "--host", "web-1").exitCode()).isZero();
    }

    @Test
    void withoutSudoAnUnprivilegedUserGetsAClearErrorAndNothingChanges() throws IOException {
        web1As("driftless-plain", true);

        Cli.Result apply = run("apply", "--host", "web-1");

        assertThat(apply.exitCode()).isEqualTo(1);
        assertThat(apply.out()).contains("web-1: error:", "sudo");
        assertThat(rootOf(0).resolve("etc")).doesNotExist();
    }

    @Test
    void aServerStoppedMidRunFailsItsHostOnlyAndLeavesItWithNoHalfWrittenFile() throws Exception {
        // web-1's handler stops web-2's sshd and its open sessions; hosts go one at a time, so web-2 is
        // connected, locked and planned already when its server goes away
        Path pid = hosts.get(1).pidFile();
        repo.write("services/nginx/service.yaml", Files.readString(repo.dir().resolve("services/nginx/service.yaml"))
                .replace("reload: echo", "reload: test \"$DRIFTLESS_HOST\" != web-1 || { pkill -P $(cat " + pid
                        + "); kill $(cat " + pid + "); }; echo")).commit("web-1 stops web-2's server");
        try {
            Cli.Result apply = run("apply", "--parallel", "1");

            assertThat(apply.exitCode()).isEqualTo(1);
            assertThat(apply.out()).as(apply.toString()).contains("web-2: error:", "web-1: applied", "web-3: applied");
            assertThat(Files.readString(rootOf(2).resolve("etc/nginx/nginx.conf"))).isEqualTo("worker_processes 2;\n");
            try (var files = Files.walk(rootOf(1))) {
                assertThat(files.filter(p -> p.getFileName().toString().endsWith(".driftless-tmp")).toList()).isEmpty();
            }
            Path web2 = rootOf(1).resolve("etc/nginx/nginx.conf");
            if (Files.exists(web2)) {
                assertThat(Files.readString(web2)).isEqualTo("worker_processes 2;\n");
            }
        } finally {
            hosts.get(1).restart();
        }
        assertThat(run("apply").exitCode()).as("once the server is back, the host converges").isZero();
        assertThat(run("check").exitCode()).isZero();
    }

    @Test
    void aRefusedKeyFailsItsHostWithAClearMessage() throws Exception {
        Path stranger = SshServer.keygen(tmp.resolve("stranger_key"));
        repo.write("driftless.yaml", Files.readString(repo.dir().resolve("driftless.yaml"))
                .replaceFirst("identity: .*\n", "identity: " + stranger + "\n")).commit("web-1 with a key it does not know");

        Cli.Result apply = run("apply");

        assertThat(apply.exitCode()).isEqualTo(1);
        assertThat(apply.out()).contains("web-1: error: cannot connect to ssh://root@127.0.0.1:" + hosts.get(0).port()
                + ": the key was refused");
        assertThat(rootOf(1).resolve("etc/nginx/nginx.conf")).exists();
    }

    @Test
    void keysHeldByAnSshAgentAreUsed() throws Exception {
        Path socket = tmp.resolve("agent.sock");
        Process agent = new ProcessBuilder("ssh-agent", "-D", "-a", socket.toString()).redirectErrorStream(true).start();
        try {
            // the agent prints its environment lines once it listens
            String ready = new java.io.BufferedReader(new java.io.InputStreamReader(agent.getInputStream())).readLine();
            assertThat(ready).startsWith("SSH_AUTH_SOCK=");
            ProcessBuilder add = new ProcessBuilder("ssh-add", userKey.toString()).redirectErrorStream(true);
            add.environment().put("SSH_AUTH_SOCK", socket.toString());
            Process adding = add.start();
            assertThat(adding.waitFor()).as(new String(adding.getInputStream().readAllBytes())).isZero();
            repo.write("driftless.yaml", Files.readString(repo.dir().resolve("driftless.yaml"))
                    .replaceAll("    identity: .*\n", "")).commit("keys from the agent");

            assertThat(run("apply", "--host", "web-1").exitCode()).as("without the agent there is no key").isEqualTo(1);
            Cli.Result apply = run("apply", "--host", "web-1", "--ssh-agent", socket.toString());

            assertThat(apply.exitCode()).as(apply.toString()).isZero();
            assertThat(rootOf(0).resolve("etc/nginx/nginx.conf")).exists();
        } finally {
            agent.destroy();
            agent.waitFor();
        }
    }

    /** web-1 reached as root, or as an unprivileged user through become: sudo. */
    private void web1(boolean sudo) throws IOException {
        if (sudo) {
            web1As("driftless-sudo", true);
        }
    }

    /** Moves {@code dir} of web-1 out of its root, leaving a link to where it went. */
    private Path moveOutsideTheRoot(String dir) throws IOException {
        Path outside = tmp.resolve("outside");
        Files.move(rootOf(0).resolve(dir), outside);
        Files.createSymbolicLink(rootOf(0).resolve(dir), outside);
        return outside;
    }

    @ParameterizedTest(name = "sudo: {0}")
    @ValueSource(booleans = {false, true})
    void aFileWhoseParentLinksOutsideTheRootIsRefusedOverSshAndWhatIsOutsideIsNeitherShownNorChanged(boolean sudo)
            throws IOException {
        web1(sudo);
        assertThat(run("apply", "--host", "web-1").exitCode()).isZero();
        Path outside = moveOutsideTheRoot("etc/nginx");
        Files.writeString(outside.resolve("nginx.conf"), "someone else's secret\n");
        String refusal = "/etc/nginx/nginx.conf: refused: /etc/nginx is a symbolic link to " + outside
                + ", outside the root " + rootOf(0) + "; Driftless never writes outside the root";

        Cli.Result check = run("check", "--host", "web-1");

        assertThat(check.exitCode()).as(check.toString()).isEqualTo(2);
        assertThat(check.out()).contains("~ /etc/nginx/nginx.conf (nginx)", "      " + refusal)
                .doesNotContain("someone else's secret");

        Cli.Result apply = run("apply", "--host", "web-1");

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
        assertThat(apply.out()).contains("web-1: error: " + refusal).doesNotContain("someone else's secret");
        assertThat(Files.readString(outside.resolve("nginx.conf"))).isEqualTo("someone else's secret\n");
        try (var files = Files.list(outside)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("nginx.conf", "site.conf",
                    "enabled");
        }
    }

    @ParameterizedTest(name = "sudo: {0}")
    @ValueSource(booleans = {false, true})
    void aPruneThroughAParentLinkedOutsideTheRootIsRefusedOverSshAndTheOutsideFileSurvives(boolean sudo)
            throws IOException {
        web1(sudo);
        repo.write("services/www/service.yaml", """
                hosts: [web]
                files:
                  - path: /srv/site/index.html
                    content: "hello\\n"
                """).commit("a page");
        assertThat(run("apply", "--host", "web-1").exitCode()).isZero();
        Path outside = moveOutsideTheRoot("srv/site");
        repo.delete("services/www/service.yaml").commit("no page");

        Cli.Result apply = run("apply", "--host", "web-1");

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
        assertThat(apply.out()).contains("/srv/site/index.html: refused: /srv/site is a symbolic link to " + outside
                + ", outside the root " + rootOf(0) + "; Driftless never deletes outside the root");
        assertThat(Files.readString(outside.resolve("index.html"))).isEqualTo("hello\n");
    }

    @ParameterizedTest(name = "sudo: {0}")
    @ValueSource(booleans = {false, true})
    void aLinkedLockFileOverSshIsAnErrorAndWhatItPointsAtIsNotTruncated(boolean sudo) throws IOException {
        web1(sudo);
        Path victim = tmp.resolve("victim");
        Files.writeString(victim, "precious\n");
        Files.createDirectories(rootOf(0).resolve("var/lib/driftless"));
        Files.createSymbolicLink(rootOf(0).resolve("var/lib/driftless/lock"), victim);

        Cli.Result apply = run("apply", "--host", "web-1");

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
        assertThat(apply.out()).contains("web-1: error: cannot take the apply lock: /var/lib/driftless/lock is a symbolic"
                + " link, which Driftless never follows");
        assertThat(Files.readString(victim)).isEqualTo("precious\n");
        assertThat(rootOf(0).resolve("etc")).doesNotExist();
    }

    @ParameterizedTest(name = "sudo: {0}")
    @ValueSource(booleans = {false, true})
    void aDriftlessFolderLinkedOutsideTheRootRefusesTheLockAndTheStateOverSsh(boolean sudo) throws IOException {
        web1(sudo);
        Path outside = tmp.resolve("outside");
        Files.createDirectories(outside.resolve("state"));
        Files.createDirectories(rootOf(0).resolve("var/lib"));
        Files.createSymbolicLink(rootOf(0).resolve("var/lib/driftless"), outside);

        Cli.Result apply = run("apply", "--host", "web-1");
        Cli.Result plan = run("plan", "--host", "web-1");

        // over SSH apply reads the host's record under its lock, so the refusal comes from the lock first
        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
        assertThat(apply.out()).contains("web-1: error: /var/lib/driftless/lock: refused: /var/lib/driftless"
                + " is a symbolic link to " + outside + ", outside the root " + rootOf(0));
        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(1);
        assertThat(plan.out()).contains("web-1: error: /var/lib/driftless/state/web-1.json: refused: /var/lib/driftless"
                + " is a symbolic link to " + outside);
        try (var files = Files.walk(outside)) {
            assertThat(files.filter(Files::isRegularFile).toList()).isEmpty();
        }
        assertThat(rootOf(0).resolve("etc")).doesNotExist();
    }

    @ParameterizedTest(name = "sudo: {0}")
    @ValueSource(booleans = {false, true})
    void aRelativeLinkInsideTheRootIsFollowedOverSshAsDebiansLibIsAUsrLib(boolean sudo) throws IOException {
        web1(sudo);
        Files.createDirectories(rootOf(0).resolve("usr/lib"));
        Files.createSymbolicLink(rootOf(0).resolve("lib"), Path.of("usr/lib"));
        repo.write("services/lib/service.yaml", """
                hosts: [web]
                files:
                  - path: /lib/app/x.conf
                    content: "x\\n"
                """).commit("a file below /lib");

        Cli.Result apply = run("apply", "--host", "web-1");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(Files.readString(rootOf(0).resolve("usr/lib/app/x.conf"))).isEqualTo("x\n");
        assertThat(run("check", "--host", "web-1").exitCode()).isZero();
        repo.delete("services/lib/service.yaml").commit("no more");
        assertThat(run("apply", "--host", "web-1").exitCode()).isZero();
        assertThat(rootOf(0).resolve("usr/lib/app/x.conf")).doesNotExist();
    }

    @Test
    void anOwnerOrGroupAHostLacksFailsThatHostsPlanOverSshBeforeAnythingIsWritten() throws IOException {
        repo.write("services/app/service.yaml", """
                hosts: [web]
                files:
                  - path: /etc/app.conf
                    content: "a\\n"
                    owner: no-such-user-here
                    group: no-such-group-here
                """).commit("an app owned by accounts nobody has");

        Cli.Result apply = run("apply");

        assertThat(apply.exitCode()).isEqualTo(1);
        for (int i = 1; i <= 3; i++) {
            assertThat(apply.out()).contains("web-" + i + ": error: services/app/service.yaml:3 (/etc/app.conf): user"
                    + " 'no-such-user-here' does not exist on web-" + i + "\nweb-" + i + ": services/app/service.yaml:3"
                    + " (/etc/app.conf): group 'no-such-group-here' does not exist on web-" + i);
            assertThat(rootOf(i - 1).resolve("etc")).doesNotExist();
        }
    }

    @Test
    void aTemporaryFileLeftByAKilledWriteIsRemovedOverSshByTheNextApplyEvenWhenNothingElseChanges() throws IOException {
        assertThat(run("apply", "--host", "web-1").exitCode()).isZero();
        Path leftover = rootOf(0).resolve("etc/nginx/.nginx.conf.driftless-tmp");
        Path stateLeftover = rootOf(0).resolve("var/lib/driftless/state/.web-1.json.driftless-tmp");
        Files.writeString(leftover, "half a secret");
        Files.writeString(stateLeftover, "{");

        Cli.Result apply = run("apply", "--host", "web-1");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(apply.out()).contains("Apply complete: 0 added, 0 changed, 0 deleted.");
        assertThat(leftover).doesNotExist();
        assertThat(stateLeftover).doesNotExist();

        // the private folders of a batch whose shell was killed before its end, alone
        Path batch = rootOf(0).resolve("etc/nginx").resolve(WriteStream.BATCH);
        Path stage = rootOf(0).resolve("etc/nginx").resolve(WriteStream.STAGE);
        Files.writeString(Files.createDirectories(batch.resolve("0")).resolve("nginx.conf"), "half a secret");
        Files.writeString(Files.createDirectories(stage).resolve("nginx.conf"), "a whole secret");
        assertThat(run("apply", "--host", "web-1").exitCode()).isZero();
        assertThat(batch).doesNotExist();
        assertThat(stage).doesNotExist();
    }

    @ParameterizedTest(name = "sudo: {0}")
    @ValueSource(booleans = {false, true})
    void aFileWrittenOverSshIsCreatedPrivateAndOwnedBeforeItsFirstByteAndWidenedOnlyWhenComplete(boolean sudo)
            throws Exception {
        web1(sudo);
        repo.write("services/app/service.yaml", SecretWriteTraceTest.SECRET_SERVICE.formatted("web"))
                .commit("a file others may read once it is complete");
        Path trace = tmp.resolve("trace");
        String pid = Files.readString(hosts.get(0).pidFile()).trim();
        // attached to web-1's sshd: every session it forks, and all they run, is recorded
        List<String> command = new ArrayList<>(List.of("strace", "-f", "-y", "-e", "signal=none",
                "-e", "trace=" + SyscallTrace.CALLS, "-o", trace.toString(), "-p", pid));
        Process strace = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try (var err = new java.io.BufferedReader(new java.io.InputStreamReader(strace.getErrorStream()))) {
            assertThat(err.readLine()).as("strace attached").contains("attached");
            Cli.Result apply = run("apply", "--host", "web-1");
            assertThat(apply.exitCode()).as(apply.toString()).isZero();
        } finally {
            strace.destroy();
            strace.waitFor();
        }

        // over SSH a batch's files are made in a private folder of the batch's, then renamed into place
        SyscallTrace.FileStory story = SyscallTrace.of(trace).story("secret.conf");
        assertThat(story.first(SyscallTrace.Kind.CREATE).call().result()).as(story.toString())
                .contains(WriteStream.BATCH + "/");
        assertThat(story.exposures()).as(story.toString()).isEmpty();
        assertThat(story.of(SyscallTrace.Kind.OWNER)).as(story.toString()).isNotEmpty();
        assertThat(story.last(SyscallTrace.Kind.MODE).mode()).as(story.toString()).isEqualTo(0640);
        Path file = rootOf(0).resolve("etc/app/secret.conf");
        assertThat(Files.readString(file)).isEqualTo("password=hunter2\n");
        assertThat((Integer) Files.getAttribute(file, "unix:mode") & 07777).isEqualTo(0640);
        assertThat(Files.getOwner(file).getName()).isEqualTo("driftless-plain");
    }
}
