package dev.driftless.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.model.Address;
import dev.driftless.model.Ownership;
import dev.driftless.report.FailureKind;
import dev.driftless.testing.Cli;
import dev.driftless.testing.SshClient;
import dev.driftless.testing.SshServer;
import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One long-lived remote shell per SSH connection (a real OpenSSH on 127.0.0.1, whose VERBOSE log counts the commands
 * it starts). The writes of one apply travel to it as one stream: the number of remote commands does not grow with
 * the number of files, every file is still atomic, what the file it replaces has is kept, and a connection cut in the
 * middle leaves old files whole and no temporary file behind once the next apply has run. The shell holds the apply
 * lock: a second connection waits naming the holder and gives up at its limit; the lock is free once let go or once
 * the holder's connection is cut; it costs no remote command of its own.
 */
class SshShellTest {

    @TempDir
    static Path dir;

    @TempDir
    Path tmp;

    static SshClient.Fixture ssh;
    static SshServer sshd;

    @BeforeAll
    static void startSshd() throws Exception {
        ssh = SshClient.Fixture.start(dir);
        sshd = ssh.sshd();
    }

    @AfterAll
    static void stopSshd() throws InterruptedException {
        ssh.close();
    }

    private SshHost connect(Path root) {
        return connect(ssh, root);
    }

    private static SshHost connect(SshClient.Fixture to, Path root) {
        return to.connections().connect("web-1", new Address.Ssh("root", "127.0.0.1", to.sshd().port()),
                Optional.of(root.toString()), Optional.empty(), Optional.empty());
    }

    /** A repository whose one service has {@code files} files in {@code folders} folders and a link. */
    private TestRepo repo(Path at, Path root, int files, int folders) throws IOException {
        TestRepo repo = TestRepo.init(at);
        repo.write("driftless.yaml", "hosts:\n  web-1:\n    address: ssh://root@127.0.0.1:" + sshd.port() + "\n"
                + "    root: " + root + "\n    identity: " + ssh.userKey() + "\n");
        StringBuilder service = new StringBuilder("hosts: [web-1]\nfiles:\n");
        for (int d = 0; d < folders; d++) {
            service.append("  - path: /srv/app/d").append(d).append("\n    type: directory\n    mode: \"0750\"\n");
        }
        for (int i = 0; i < files; i++) {
            service.append("  - path: /srv/app/d").append(i % folders).append("/f").append(i).append(".conf\n")
                    .append("    source: f").append(i).append(".conf\n");
            repo.write("services/app/f" + i + ".conf", "file " + i + "\n");
        }
        service.append("  - path: /srv/app/current\n    type: symlink\n    target: /srv/app/d0\n");
        repo.write("services/app/service.yaml", service.toString());
        repo.commit("an app of " + files + " files");
        return repo;
    }

    /** {@link #repo} of {@code files} in {@code folders} folders, in tmp/repo, applied once to {@code root}. */
    private TestRepo applied(Path root, int files, int folders) throws IOException {
        TestRepo repo = repo(tmp.resolve("repo"), root, files, folders);
        assertThat(apply(repo, "apply").exitCode()).isZero();
        return repo;
    }

    private Cli.Result apply(TestRepo repo, String... command) throws IOException {
        Path knownHosts = Files.writeString(tmp.resolve("known_hosts"), sshd.knownHostsLine() + "\n");
        List<String> args = new ArrayList<>(List.of(command));
        args.addAll(List.of("--repo", repo.dir().toString(), "--known-hosts", knownHosts.toString()));
        return Cli.run(args.toArray(String[]::new));
    }

    private int commandsOf(TestRepo repo, String command) throws IOException {
        int before = sshd.commandsStarted();
        Cli.Result result = apply(repo, command);
        assertThat(result.exitCode()).as(result.toString()).isZero();
        return sshd.commandsStarted() - before;
    }

    @Test
    void anApplyStartsAsManyRemoteCommandsForTwoHundredFilesAsForTenAndSoDoesTheirDeletion() throws IOException {
        Path small = tmp.resolve("small-root");
        Path large = tmp.resolve("large-root");
        int forTen = commandsOf(repo(tmp.resolve("small"), small, 10, 2), "apply");
        TestRepo repo = repo(tmp.resolve("large"), large, 200, 20);
        int forTwoHundred = commandsOf(repo, "apply");

        assertThat(forTwoHundred).as("remote commands for 200 files vs for 10").isEqualTo(forTen);
        // the connection's one shell, which also holds the apply lock: the login shell starts once
        assertThat(forTwoHundred).isEqualTo(1);
        for (int i = 0; i < 200; i++) {
            Path file = large.resolve("srv/app/d" + (i % 20) + "/f" + i + ".conf");
            assertThat(Files.readString(file)).isEqualTo("file " + i + "\n");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-r--r--");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(large.resolve("srv/app/d3"))))
                .isEqualTo("rwxr-x---");
        assertThat(Files.readSymbolicLink(large.resolve("srv/app/current"))).hasToString("/srv/app/d0");
        assertThat(apply(repo, "check").exitCode()).isZero();
        assertNoTemporaryFile(large);

        // the service goes: its 200 files, its link and its folders are deleted in the same one shell
        Files.writeString(large.resolve("srv/app/d1/kept-by-hand"), "not Driftless's\n");
        repo.write("services/app/service.yaml", "hosts: [web-1]\nfiles: []\n").commit("the app goes");
        assertThat(commandsOf(repo, "apply")).isEqualTo(forTen);
        try (Stream<Path> all = Files.walk(large.resolve("srv/app"))) {
            assertThat(all.map(p -> large.relativize(p).toString())).containsExactlyInAnyOrder("srv/app", "srv/app/d1",
                    "srv/app/d1/kept-by-hand");
        }
        assertThat(apply(repo, "check").exitCode()).isZero();
    }

    /** Round trips (scripts the hosts' shells ran) of one CLI command, which must succeed with {@code exit}. */
    private long roundTripsOf(TestRepo repo, String command, int exit) throws IOException {
        return roundTripsOf(repo, exit, command).trips();
    }

    private record Run(long trips, Cli.Result result) {
    }

    private Run roundTripsOf(TestRepo repo, int exit, String... command) throws IOException {
        long before = RemoteShell.SCRIPTS.get();
        Cli.Result result = apply(repo, command);
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(exit);
        return new Run(RemoteShell.SCRIPTS.get() - before, result);
    }

    @Test
    void anApplyThatShowsNoDiffDoesNotReadTheFilesItReplacesAndOneWithDiffDoes() throws IOException {
        Path root = tmp.resolve("root");
        TestRepo repo = applied(root, 20, 4);

        change(repo, 20, "changed");
        Run plain = roundTripsOf(repo, 0, "apply");
        change(repo, 20, "changed again");
        Run withDiff = roundTripsOf(repo, 0, "apply", "--diff");
        change(repo, 20, "changed once more");
        Run json = roundTripsOf(repo, 0, "apply", "--output", "json");

        // the old bytes of the 20 files come in one round trip, only when a diff is shown
        assertThat(withDiff.trips()).as("round trips of apply --diff vs apply").isEqualTo(plain.trips() + 1);
        assertThat(json.trips()).as("round trips of apply --output json vs apply").isEqualTo(plain.trips() + 1);
        assertThat(plain.result().out()).contains("~ /srv/app/d3/f19.conf").doesNotContain("-file 19");
        assertThat(withDiff.result().out()).contains("-file 19 changed\n", "+file 19 changed again\n");
        assertThat(json.result().out()).contains("-file 19 changed again\\n+file 19 changed once more");
        assertThat(Files.readString(root.resolve("srv/app/d3/f19.conf"))).isEqualTo("file 19 changed once more\n");
    }

    @Test
    void aChangingApplySweepsTemporaryFilesInTheRoundTripOfItsOwnOnlyWhenItsReadingFoundSome() throws IOException {
        Path root = tmp.resolve("root");
        TestRepo repo = applied(root, 20, 4);

        change(repo, 20, "changed");
        long clean = roundTripsOf(repo, "apply", 0);
        Path leftover = Files.writeString(root.resolve("srv/app/d2/.f2.conf" + LocalHost.TEMP_SUFFIX), "cut short\n");
        change(repo, 20, "changed again");
        long withLeftover = roundTripsOf(repo, "apply", 0);

        assertThat(withLeftover).as("round trips with a leftover vs without").isEqualTo(clean + 1);
        assertThat(leftover).doesNotExist();
        assertThat(root.resolve("srv/app/d2/f2.conf")).hasContent("file 2 changed again");
    }

    private static void change(TestRepo repo, int files, String how) throws IOException {
        for (int i = 0; i < files; i++) {
            repo.write("services/app/f" + i + ".conf", "file " + i + " " + how + "\n");
        }
        repo.commit(files + " files " + how);
    }

    @Test
    void planningAndApplyingTwoHundredChangedFilesTakesAsManyRoundTripsAsTen() throws IOException {
        // two roots that had one apply of the same 200 files, so that the hosts' files are alike in all but how many
        // the commit changes: a host's stat counts as settled two seconds after a write, and a run compared with
        // one on files written by the run before would count differently depending on how fast the machine is
        TestRepo ten = repo(tmp.resolve("ten"), tmp.resolve("ten-root"), 200, 20);
        TestRepo all = repo(tmp.resolve("all"), tmp.resolve("all-root"), 200, 20);
        assertThat(apply(ten, "apply").exitCode()).isZero();
        assertThat(apply(all, "apply").exitCode()).isZero();

        change(ten, 10, "changed");
        change(all, 200, "changed");
        long planTen = roundTripsOf(ten, "plan", 2);
        Run planAll = roundTripsOf(all, 2, "plan");
        long applyTen = roundTripsOf(ten, "apply", 0);
        long applyAll = roundTripsOf(all, "apply", 0);

        // the diffs read what the hosts have in one round trip, however many files differ
        assertThat(planAll.trips()).as("plan: round trips for 200 changed files vs 10").isEqualTo(planTen);
        assertThat(applyAll).as("apply: round trips for 200 changed files vs 10").isEqualTo(applyTen);
        assertThat(planAll.result().out()).contains("-file 199\n", "+file 199 changed\n", "-file 0\n", "+file 0 changed\n");
        assertThat(Files.readString(tmp.resolve("all-root/srv/app/d19/f199.conf"))).isEqualTo("file 199 changed\n");
        assertThat(Files.readString(tmp.resolve("ten-root/srv/app/d9/f9.conf"))).isEqualTo("file 9 changed\n");
        assertThat(Files.readString(tmp.resolve("ten-root/srv/app/d10/f10.conf"))).isEqualTo("file 10\n");
    }

    @Test
    void aBatchRunsAsManyProcessesOnTheHostForTwoHundredFilesAsForTwentyInTheSameTenFolders() throws Exception {
        int forTwenty = processesOnTheHost(tmp.resolve("twenty"), 20);
        int forTwoHundred = processesOnTheHost(tmp.resolve("two-hundred"), 200);

        assertThat(forTwoHundred).as("processes the host ran for 200 files vs for 20").isEqualTo(forTwenty);
        assertThat(forTwoHundred).as("far fewer than one per file").isLessThan(100);
    }

    /**
     * The processes (execve) web-1's sshd and all it started ran for one connection writing {@code files} files in
     * ten folders, half of them new, half replacing a file of another owner whose owner and mode they keep.
     */
    private int processesOnTheHost(Path root, int files) throws Exception {
        List<Host.Write> batch = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            String path = "/srv/d" + (i % 10) + "/f" + i + ".conf";
            if (i >= files / 2) {
                Path old = Files.createDirectories(root.resolve("srv/d" + (i % 10))).resolve("f" + i + ".conf");
                Files.writeString(old, "old\n");
                Files.setPosixFilePermissions(old, PosixFilePermissions.fromString("rw-------"));
                Files.setOwner(old, old.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
            }
            batch.add(new Host.FileWrite(path, ("file " + i + "\n").getBytes(StandardCharsets.UTF_8), Ownership.KEEP));
        }
        Path trace = tmp.resolve("execve-" + files);
        writeTraced(root, batch, trace, "execve");
        for (int i = 0; i < files; i++) {
            Path file = root.resolve("srv/d" + (i % 10) + "/f" + i + ".conf");
            assertThat(file).hasContent("file " + i);
            boolean replaced = i >= files / 2;
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                    .isEqualTo(replaced ? "rw-------" : "rw-r--r--");
            assertThat(Files.getOwner(file).getName()).isEqualTo(replaced ? "nobody" : "root");
        }
        assertNoTemporaryFile(root);
        try (Stream<String> lines = Files.lines(trace)) {
            return (int) lines.filter(l -> (l.contains("execve(") || l.contains("execve resumed")) && l.endsWith("= 0"))
                    .count();
        }
    }

    @Test
    void theRenamesIntoPlaceAreOnePerlProcessForAllFoldersOrOnAHostWithoutPerlOneMvPerFolder() throws Exception {
        Map<String, Long> withPerl = renamesOn(ssh, tmp.resolve("with-perl"));
        Map<String, Long> withoutPerl = withPath(tmp.resolve("no-perl"), null, host -> renamesOn(host,
                tmp.resolve("without-perl")));
        // a perl that cannot run (exit 2 before renaming anything): mv does it all, one per file
        Map<String, Long> brokenPerl = withPath(tmp.resolve("broken-perl"), "#!/bin/sh\nexit 2\n",
                host -> renamesOn(host, tmp.resolve("with-broken-perl")));

        assertThat(withPerl).as("perl and mv processes, host with perl").containsEntry("perl", 1L).containsEntry("mv", 0L);
        assertThat(withoutPerl).as("perl and mv processes, host without perl").containsEntry("perl", 0L)
                .containsEntry("mv", 3L);
        assertThat(brokenPerl).as("perl and mv processes, host whose perl fails").containsEntry("perl", 1L)
                .containsEntry("mv", 30L);
    }

    private interface OnHost<T> {
        T run(SshClient.Fixture host) throws Exception;
    }

    /**
     * Runs {@code work} against an sshd (made in {@code dir}) whose sessions' PATH holds every command of this machine
     * but perl, and {@code perl} as perl when not null (links out of a folder of its own: JUnit's temporary folder
     * warns of each link it removes that leads out of it).
     */
    private static <T> T withPath(Path dir, String perl, OnHost<T> work) throws Exception {
        Path bin = Files.createTempDirectory("driftless-bin");
        try {
            for (String folder : List.of("/usr/local/bin", "/usr/bin", "/usr/sbin")) {
                try (Stream<Path> commands = Files.list(Path.of(folder))) {
                    for (Path command : commands.toList()) {
                        Path name = command.getFileName();
                        if (!name.toString().startsWith("perl") && Files.notExists(bin.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
                            Files.createSymbolicLink(bin.resolve(name), command);
                        }
                    }
                }
            }
            if (perl != null) {
                Files.writeString(bin.resolve("perl"), perl);
                Files.setPosixFilePermissions(bin.resolve("perl"), PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            SshClient.Fixture host = SshClient.Fixture.start(dir, Map.of("PATH", bin.toString()));
            try {
                return work.run(host);
            } finally {
                host.close();
            }
        } finally {
            try (Stream<Path> links = Files.list(bin)) {
                for (Path link : links.toList()) {
                    Files.delete(link);
                }
            }
            Files.delete(bin);
        }
    }

    @Test
    void aFileNamedWithTheLongestNameTheHostAllowsIsWrittenLikeTheOthers() throws Exception {
        Path root = tmp.resolve("root");
        String longest = "n".repeat(250) + ".conf"; // NAME_MAX: 255 bytes
        try (SshHost host = connect(root)) {
            Host.Written written = host.write(List.of(
                    new Host.FileWrite("/etc/a.conf", "a\n".getBytes(StandardCharsets.UTF_8), Ownership.KEEP),
                    new Host.FileWrite("/etc/app/" + longest, "long\n".getBytes(StandardCharsets.UTF_8), Ownership.KEEP)));
            assertThat(written.failed()).isEmpty();
            assertThat(written.done()).containsExactlyInAnyOrder(0, 1);
        }
        assertThat(root.resolve("etc/a.conf")).hasContent("a");
        assertThat(root.resolve("etc/app/" + longest)).hasContent("long");
        assertNoTemporaryFile(root);
    }

    /**
     * Writes 30 files in three folders (a third replacing a file of another owner and mode, which they keep; a third
     * given an owner) with execve traced, checks them, and counts the perl and mv processes the host ran.
     */
    private static Map<String, Long> renamesOn(SshClient.Fixture to, Path root) throws Exception {
        List<Host.Write> batch = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String path = "/srv/d" + (i % 3) + "/f" + i + ".conf";
            if (i % 3 == 0) {
                Path old = Files.createDirectories(root.resolve("srv/d" + (i % 3))).resolve("f" + i + ".conf");
                Files.writeString(old, "old\n");
                run("chown", "nobody:driftless-sudo", old.toString());
                run("chmod", "640", old.toString());
            }
            batch.add(new Host.FileWrite(path, ("file " + i + "\n").getBytes(StandardCharsets.UTF_8), i % 3 == 1
                    ? new Ownership(Optional.empty(), Optional.of("driftless-plain"), Optional.empty()) : Ownership.KEEP));
        }
        Path trace = Files.createDirectories(root.resolveSibling(root.getFileName() + "-trace")).resolve("execve");
        writeTraced(to, root, batch, trace, "execve");
        for (int i = 0; i < 30; i++) {
            Path file = root.resolve("srv/d" + (i % 3) + "/f" + i + ".conf");
            assertThat(file).hasContent("file " + i);
            assertThat(attributes(file)).isEqualTo(i % 3 == 0 ? "nobody:driftless-sudo 640"
                    : i % 3 == 1 ? "driftless-plain:root 644" : "root:root 644");
        }
        assertNoTemporaryFile(root);
        try (Stream<String> lines = Files.lines(trace)) {
            List<String> ran = lines.filter(l -> l.contains("execve(\"") && l.endsWith("= 0"))
                    .map(l -> l.substring(l.indexOf("execve(\"") + 8, l.indexOf('"', l.indexOf("execve(\"") + 8)))
                    .map(command -> command.substring(command.lastIndexOf('/') + 1)).toList();
            return Map.of("perl", ran.stream().filter("perl"::equals).count(),
                    "mv", ran.stream().filter("mv"::equals).count());
        }
    }

    @Test
    void aBatchOverTwoFileSystemsCreatesNoFileAtItsFinalNameOnEitherButRenamesItThere() throws Exception {
        Path root = tmp.resolve("root");
        Files.createDirectories(root.resolve("etc"));
        Path mnt = Files.createDirectories(root.resolve("mnt"));
        run("mount", "-t", "tmpfs", "-o", "size=16m,mode=755", "driftless-test", mnt.toString());
        try {
            Path replaced = Files.createDirectories(mnt.resolve("sub")).resolve("c.conf");
            Files.writeString(replaced, "old\n");
            Files.setPosixFilePermissions(replaced, PosixFilePermissions.fromString("rw-------"));
            // the batch folder goes beside the first folder, /etc: /mnt is another file system
            List<Host.Write> batch = List.of(
                    new Host.FileWrite("/etc/a.conf", "a\n".getBytes(StandardCharsets.UTF_8), Ownership.KEEP),
                    new Host.FileWrite("/mnt/b.conf", "b\n".getBytes(StandardCharsets.UTF_8), Ownership.KEEP),
                    new Host.FileWrite("/mnt/sub/c.conf", "c\n".getBytes(StandardCharsets.UTF_8), Ownership.KEEP));
            Path trace = tmp.resolve("trace");
            writeTraced(root, batch, trace, SyscallTrace.CALLS);

            assertThat(root.resolve("etc/a.conf")).hasContent("a");
            assertThat(mnt.resolve("b.conf")).hasContent("b");
            assertThat(replaced).hasContent("c");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(replaced))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(mnt.resolve("b.conf"))))
                    .isEqualTo("rw-r--r--");
            assertNoTemporaryFile(root);
            SyscallTrace calls = SyscallTrace.of(trace);
            // a.conf from the batch folder beside it; b.conf and c.conf from a stage in their folder, on /mnt
            // (named in the batch folder and the stages by their folder's number, 0 to 2, and their name)
            Map<String, String> renamedFrom = Map.of("a.conf", "/etc/" + WriteStream.BATCH + "/0.a.conf\"",
                    "b.conf", "\"" + WriteStream.STAGE + "/1.b.conf\"", "c.conf", "\"" + WriteStream.STAGE + "/2.c.conf\"");
            Map<String, String> folderOf = Map.of("a.conf", "etc", "b.conf", "mnt", "c.conf", "mnt/sub");
            for (String name : renamedFrom.keySet()) {
                SyscallTrace.FileStory story = calls.story(name);
                // made only in a private folder of the batch's (copying across file systems included), never where
                // a reader could see it half written: it gets its final name by a rename on its own file system
                assertThat(story.of(SyscallTrace.Kind.CREATE)).as(story.toString()).isNotEmpty()
                        .allSatisfy(e -> assertThat(e.call().result()).containsAnyOf(WriteStream.BATCH + "/",
                                WriteStream.STAGE + "/"));
                SyscallTrace.Event rename = story.last(SyscallTrace.Kind.RENAME);
                assertThat(rename.call().args()).as(story.toString()).contains(renamedFrom.get(name))
                        .endsWith(", \"" + name + "\"");
                assertThat(calls.renamedWithin(rename)).as(story.toString()).isEqualTo(root.resolve(folderOf.get(name))
                        .toString());
            }
        } finally {
            run("umount", mnt.toString());
        }
    }

    @Test
    void filesReadForDiffsComeInOneRoundTripEachWithItsOwnBytesAndALinkAmongThemIsRefused() throws Exception {
        Path root = tmp.resolve("root");
        byte[] binary = "\0@@driftless-0 0\n\0\u00ff end".getBytes(StandardCharsets.ISO_8859_1);
        Files.writeString(Files.createDirectories(root.resolve("srv/a")).resolve("x.conf"), "one\n");
        Files.write(Files.createDirectories(root.resolve("srv/b")).resolve("x.conf"), binary);
        Files.writeString(root.resolve("srv/b/-leading dash \\ and space.conf"), "two\n");
        Files.createSymbolicLink(root.resolve("srv/a/link.conf"), root.resolve("srv/a/x.conf"));
        try (SshHost host = connect(root)) {
            long before = RemoteShell.SCRIPTS.get();
            Map<String, Optional<byte[]>> read = host.readAll(List.of("/srv/a/x.conf", "/srv/b/x.conf",
                    "/srv/b/-leading dash \\ and space.conf"), 1 << 20);
            assertThat(RemoteShell.SCRIPTS.get() - before).as("round trips").isEqualTo(1);
            assertThat(read.keySet()).containsExactly("/srv/a/x.conf", "/srv/b/x.conf",
                    "/srv/b/-leading dash \\ and space.conf");
            assertThat(read.get("/srv/a/x.conf")).hasValueSatisfying(b -> assertThat(b).asString().isEqualTo("one\n"));
            assertThat(read.get("/srv/b/x.conf")).hasValueSatisfying(b -> assertThat(b).isEqualTo(binary));
            assertThat(read.get("/srv/b/-leading dash \\ and space.conf"))
                    .hasValueSatisfying(b -> assertThat(b).asString().isEqualTo("two\n"));
            assertThat(host.readAll(List.of("/srv/a/x.conf", "/srv/b/x.conf"), 3).get("/srv/a/x.conf"))
                    .as("past the limit").isEmpty();
            assertThatThrownBy(() -> host.readAll(List.of("/srv/a/x.conf", "/srv/a/link.conf"), 1 << 20))
                    .isInstanceOf(HostException.class).hasMessageContaining("link.conf is a symbolic link");
        }
    }

    @Test
    void aReplacedFileKeepsTheOwnerGroupAndModeTheResourceDoesNotManage() throws Exception {
        Path root = tmp.resolve("root");
        Path kept = Files.createDirectories(root.resolve("etc")).resolve("kept.conf");
        Path group = root.resolve("etc/group.conf");
        Path fresh = root.resolve("etc/new.conf");
        for (Path p : List.of(kept, group)) {
            Files.writeString(p, "old\n");
            run("chown", "driftless-plain:driftless-sudo", p.toString());
            run("chmod", "4750", p.toString());
        }
        try (SshHost host = connect(root)) {
            Host.Written written = host.write(List.of(
                    new Host.FileWrite("/etc/kept.conf", "new\n".getBytes(StandardCharsets.UTF_8), Ownership.KEEP),
                    new Host.FileWrite("/etc/group.conf", "new\n".getBytes(StandardCharsets.UTF_8),
                            new Ownership(Optional.empty(), Optional.empty(), Optional.of("driftless-plain"))),
                    new Host.FileWrite("/etc/new.conf", "new\n".getBytes(StandardCharsets.UTF_8), Ownership.KEEP)));

            assertThat(written.failed()).isEmpty();
            assertThat(written.done()).containsExactlyInAnyOrder(0, 1, 2);
        }
        assertThat(Files.readString(kept)).isEqualTo("new\n");
        assertThat(attributes(kept)).isEqualTo("driftless-plain:driftless-sudo 4750");
        assertThat(attributes(group)).as("the owner kept, the group managed, then the kept mode")
                .isEqualTo("driftless-plain:driftless-plain 4750");
        assertThat(attributes(fresh)).isEqualTo("root:root 644");
    }

    @Test
    void aParentLeadingOutOfTheRootStopsTheBatchThereAndWhatCameBeforeIsInPlace() throws Exception {
        Path root = tmp.resolve("root");
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.createDirectories(root.resolve("etc"));
        Files.createSymbolicLink(root.resolve("etc/evil"), outside);
        try (SshHost host = connect(root)) {
            Host.Written written = host.write(List.of(
                    new Host.FileWrite("/etc/a.conf", "a\n".getBytes(StandardCharsets.UTF_8), Ownership.KEEP),
                    new Host.FileWrite("/etc/evil/b.conf", "b\n".getBytes(StandardCharsets.UTF_8), Ownership.KEEP),
                    new Host.FileWrite("/etc/c.conf", "c\n".getBytes(StandardCharsets.UTF_8), Ownership.KEEP)));

            assertThat(written.done()).containsExactly(0);
            assertThat(written.failed()).hasValueSatisfying(f -> {
                assertThat(f.index()).isEqualTo(1);
                assertThat(f.error().getMessage()).contains("/etc/evil", outside.toString());
            });
        }
        assertThat(Files.readString(root.resolve("etc/a.conf"))).isEqualTo("a\n");
        assertThat(root.resolve("etc/c.conf")).doesNotExist();
        try (Stream<Path> all = Files.list(outside)) {
            assertThat(all).isEmpty();
        }
        assertNoTemporaryFile(root);
    }

    @Test
    void aConnectionCutWhileTheBatchStreamsRenamesNothingAndTheNextBatchConverges() throws Exception {
        Path root = tmp.resolve("root");
        Path small = Files.createDirectories(root.resolve("etc")).resolve("small.conf");
        Path big = root.resolve("etc/big.bin");
        Files.writeString(small, "old small\n");
        Files.writeString(big, "old big\n");
        byte[] bigContent = new byte[256 << 20];
        Arrays.fill(bigContent, (byte) 'x');
        List<Host.Write> batch = List.of(
                new Host.FileWrite("/etc/small.conf", "new small\n".getBytes(StandardCharsets.UTF_8), Ownership.KEEP),
                new Host.FileWrite("/etc/big.bin", bigContent, Ownership.KEEP));
        try (SshHost host = connect(root)) {
            CompletableFuture<Host.Written> writing = CompletableFuture.supplyAsync(() -> host.write(batch));
            cutWhenWriting(root.resolve("etc"), "big.bin", writing);

            Throwable failure = writing.handle((w, e) -> e).get(60, TimeUnit.SECONDS);
            assertThat(failure).as("the batch fails").isNotNull();
            assertThat(failure.getCause()).isInstanceOf(HostException.class);
            assertThat(((HostException) failure.getCause()).kind()).isEqualTo(FailureKind.TRANSIENT);
            assertThat(failure.getCause().getMessage()).contains("web-1", "SSH connection");
        }
        assertThat(Files.readString(small)).as("renamed only once the whole stream is in").isEqualTo("old small\n");
        assertThat(Files.readString(big)).isEqualTo("old big\n");

        try (SshHost host = connect(root)) {
            host.removeLeftovers(List.of("/etc"));
            assertThat(host.write(batch).failed()).isEmpty();
        }
        assertThat(Files.readString(small)).isEqualTo("new small\n");
        assertThat(Files.size(big)).isEqualTo(bigContent.length);
        assertNoTemporaryFile(root);
    }

    @Test
    void anApplyWhoseConnectionIsCutFailsThatHostClearlyAndTheNextApplyConverges() throws Exception {
        Path root = tmp.resolve("root");
        TestRepo repo = applied(root, 3, 1);
        // three files of 60 MiB (the most a repository file may hold is 64): the cut comes while they stream
        for (int i = 0; i < 3; i++) {
            repo.write("services/app/f" + i + ".conf", String.valueOf(i).repeat(60 << 20));
        }
        repo.commit("large files");
        CompletableFuture<Cli.Result> applying = CompletableFuture.supplyAsync(() -> {
            try {
                return apply(repo, "apply");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        cutWhenWriting(root.resolve("srv/app/d0"), "f0.conf", applying);

        Cli.Result cut = applying.get(120, TimeUnit.SECONDS);
        assertThat(cut.exitCode()).as(cut.toString()).isEqualTo(1);
        assertThat(cut.out() + cut.err()).contains("web-1", "SSH connection was lost");
        assertThat(root.resolve("srv/app/d0/f0.conf")).as("nothing of the cut stream is in place").hasContent("file 0");

        Cli.Result again = apply(repo, "apply");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(apply(repo, "check").exitCode()).isZero();
        assertThat(Files.size(root.resolve("srv/app/d0/f2.conf"))).isEqualTo(60L << 20);
        assertNoTemporaryFile(root);
    }

    @Test
    void aSecondConnectionWaitsNamingTheHolderGivesUpAtItsLimitAndGetsTheLockOnceItIsLetGo() throws Exception {
        Path root = tmp.resolve("root");
        Path state = Files.createDirectories(root.resolve("var/lib/driftless/state")).resolve("web-1.json");
        Files.writeString(state, "{}");
        try (SshHost first = connect(root); SshHost second = connect(root)) {
            int before = sshd.commandsStarted();
            Host.Locked held = first.lockAndRead(Duration.ofSeconds(5), m -> { }, "/var/lib/driftless/state/web-1.json",
                    1000);
            assertThat(held.read()).hasValueSatisfying(b -> assertThat(new String(b, StandardCharsets.UTF_8))
                    .isEqualTo("{}"));
            String pid = Files.readString(root.resolve("var/lib/driftless/lock")).strip();

            List<String> said = new ArrayList<>();
            assertThatThrownBy(() -> second.lock(Duration.ofSeconds(1), said::add))
                    .isInstanceOfSatisfying(HostException.class, e -> {
                        assertThat(e.kind()).isEqualTo(FailureKind.TRANSIENT);
                        assertThat(e.getMessage()).contains("gave up after 1s waiting for the apply lock");
                    });
            assertThat(said).containsExactly("waiting for the lock on host web-1 held by pid " + pid + " (up to 1s)");

            held.close();
            try (AutoCloseable again = second.lock(Duration.ofSeconds(5), said::add)) {
                assertThat(said).as("let go: taken at once, no wait").hasSize(1);
            }
            assertThat(sshd.commandsStarted() - before).as("one shell per connection, none for the lock").isEqualTo(2);
        }
    }

    @Test
    void theLockIsTakenAndTheStateReadInTheSameRoundTripAndOneThatWaitedReadsTheStateLeftByTheHolder() throws Exception {
        Path root = tmp.resolve("root");
        Path state = Files.createDirectories(root.resolve("var/lib/driftless/state")).resolve("web-1.json");
        Files.writeString(state, "{\"by\": \"nobody yet\"}");
        String path = "/var/lib/driftless/state/web-1.json";
        try (SshHost first = connect(root); SshHost second = connect(root)) {
            long before = RemoteShell.SCRIPTS.get();
            Host.Locked held = first.lockAndRead(Duration.ofSeconds(5), m -> { }, path, 1000);
            // where the lock goes (checked inside the root), the lock taken and the state read under it: one script
            assertThat(RemoteShell.SCRIPTS.get() - before).as("round trips to lock and read").isEqualTo(1);
            assertThat(held.read()).hasValueSatisfying(b -> assertThat(b).asString().isEqualTo("{\"by\": \"nobody yet\"}"));

            CompletableFuture<String> waiting = new CompletableFuture<>();
            CompletableFuture<Host.Locked> next = CompletableFuture.supplyAsync(() ->
                    second.lockAndRead(Duration.ofSeconds(30), waiting::complete, path, 1000));
            assertThat(waiting.get(30, TimeUnit.SECONDS)).startsWith("waiting for the lock on host web-1 held by pid");
            Files.writeString(state, "{\"by\": \"the holder\"}"); // what the holder writes before it lets go
            held.close();
            try (Host.Locked taken = next.get(30, TimeUnit.SECONDS)) {
                assertThat(taken.read()).hasValueSatisfying(b -> assertThat(b).asString()
                        .isEqualTo("{\"by\": \"the holder\"}"));
            }
        }
        Files.delete(state);
        try (SshHost host = connect(root); Host.Locked taken = host.lockAndRead(Duration.ofSeconds(5), m -> { }, path, 1000)) {
            assertThat(taken.read()).as("no state yet").isEmpty();
        }
    }

    @Test
    void filesWithoutASettledStatAreHashedInTheStatsRoundTripNeverThroughALinkOrAFifo() throws Exception {
        Path root = tmp.resolve("root");
        Path srv = Files.createDirectories(root.resolve("srv"));
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Files.writeString(srv.resolve("f" + i), "file " + i + "\n");
            paths.add("/srv/f" + i);
        }
        // read through, either would never end: hashing follows neither
        Files.createSymbolicLink(srv.resolve("zero"), Path.of("/dev/zero"));
        assertThat(new ProcessBuilder("mkfifo", srv.resolve("pipe").toString()).start().waitFor()).isZero();
        paths.addAll(List.of("/srv/zero", "/srv/pipe"));
        try (SshHost host = connect(root)) {
            long before = RemoteShell.SCRIPTS.get();
            Map<String, LiveEntry> live = host.inspect(paths, Map.of()); // no stat known: every file is hashed

            // the stats with the hashes (was a second round trip for the hashes), then the link's target
            assertThat(RemoteShell.SCRIPTS.get() - before).as("round trips").isEqualTo(2);
            for (int i = 0; i < 5; i++) {
                String sha = LocalHost.sha256(("file " + i + "\n").getBytes(StandardCharsets.UTF_8));
                assertThat(live.get("/srv/f" + i)).isInstanceOfSatisfying(LiveEntry.File.class,
                        f -> assertThat(f.sha256()).isEqualTo(sha));
            }
            assertThat(live.get("/srv/zero")).isEqualTo(new LiveEntry.Symlink("/dev/zero"));
            assertThat(live.get("/srv/pipe")).isEqualTo(new LiveEntry.Other("fifo"));

            // a stat recorded for each (most files of a host that had a no-op since its apply): nothing is hashed up
            // front; these stats no longer match, so the files are hashed in a second round trip, as before
            Map<String, LiveEntry.Known> known = new java.util.HashMap<>();
            paths.subList(0, 5).forEach(path -> known.put(path, new LiveEntry.Known("0:0:0:0:0", "recorded")));
            long again = RemoteShell.SCRIPTS.get();
            assertThat(host.inspect(paths.subList(0, 5), known)).allSatisfy((path, entry) ->
                    assertThat(entry).isEqualTo(live.get(path)));
            assertThat(RemoteShell.SCRIPTS.get() - again).as("round trips with stats recorded").isEqualTo(2);
        }
    }

    @Test
    void aLockWhoseConnectionIsCutIsFreeForTheNextApply() throws Exception {
        Path root = tmp.resolve("root");
        try (SshHost first = connect(root)) {
            first.lock(Duration.ofSeconds(5), m -> { });
            Process kill = new ProcessBuilder("pkill", "-KILL", "-P", Files.readString(sshd.pidFile()).strip()).start();
            assertThat(kill.waitFor()).isZero();
            assertThatThrownBy(() -> first.inspect(List.of("/etc/x"))).isInstanceOfSatisfying(HostException.class,
                    e -> assertThat(e.kind()).isEqualTo(FailureKind.TRANSIENT));
        }
        try (SshHost next = connect(root)) {
            List<String> said = new ArrayList<>();
            try (AutoCloseable taken = next.lock(Duration.ofSeconds(10), said::add)) {
                // the host let go of the cut connection's lock: taken at once, or after a short wait for sshd to end it
                assertThat(taken).isNotNull();
            }
        }
    }

    /**
     * Writes {@code batch} over a new connection with strace attached to web-1's sshd (and all it starts) recording
     * {@code calls} (with the paths behind descriptors) in {@code trace}.
     */
    private void writeTraced(Path root, List<Host.Write> batch, Path trace, String calls) throws Exception {
        writeTraced(ssh, root, batch, trace, calls);
    }

    private static void writeTraced(SshClient.Fixture to, Path root, List<Host.Write> batch, Path trace, String calls)
            throws Exception {
        traced(to, trace, calls, () -> {
            try (SshHost host = connect(to, root)) {
                assertThat(host.write(batch).failed()).isEmpty();
            }
        });
    }

    private interface Work {
        void run() throws Exception;
    }

    /** Runs {@code work} with strace attached to the sshd of {@code to} (and all it starts), recording {@code calls}. */
    private static void traced(SshClient.Fixture to, Path trace, String calls, Work work) throws Exception {
        Process strace = new ProcessBuilder("strace", "-f", "-y", "-e", "signal=none", "-e", "trace=" + calls,
                "-o", trace.toString(), "-p", Files.readString(to.sshd().pidFile()).trim())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try (var err = new java.io.BufferedReader(new java.io.InputStreamReader(strace.getErrorStream()))) {
            assertThat(err.readLine()).as("strace attached").contains("attached");
            work.run();
        } finally {
            strace.destroy();
            strace.waitFor();
        }
    }

    @Test
    void aChangingApplyWritesTheStateTwiceIncompleteBeforeItsFirstChangeThenCompleteAndHealthy() throws Exception {
        Path root = tmp.resolve("root");
        TestRepo repo = applied(root, 20, 4);
        for (int i = 0; i < 20; i++) {
            repo.write("services/app/f" + i + ".conf", "file " + i + " changed\n");
        }
        String revision = repo.commit("20 files changed");
        Path trace = tmp.resolve("renames");

        traced(ssh, trace, "rename,renameat,renameat2", () -> assertThat(apply(repo, "apply").exitCode()).isZero());

        List<String> renames;
        try (Stream<String> lines = Files.lines(trace)) {
            renames = lines.filter(l -> l.contains("rename") && l.endsWith("= 0")).toList();
        }
        // the state is renamed into place twice, around the one rename of the files (their stream)
        assertThat(renames.stream().filter(l -> l.contains("web-1.json\"")).count()).as(String.join("\n", renames))
                .isEqualTo(2);
        String state = Files.readString(root.resolve("var/lib/driftless/state/web-1.json"));
        assertThat(state).contains("\"revision\" : \"" + revision + "\"", "\"complete\" : true",
                "\"healthy\" : \"" + revision + "\"");
    }

    /**
     * Cuts the connection (SIGKILL to sshd's per-connection processes) once bytes of the file named {@code name}
     * are being written in the batch's private folder under {@code folder} (watched with inotify, each folder as
     * it appears).
     */
    private static void cutWhenWriting(Path folder, String name, CompletableFuture<?> work) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Set<Path> watched = new HashSet<>();
        try (java.nio.file.WatchService watch = folder.getFileSystem().newWatchService()) {
            work.whenComplete((r, e) -> {
                try {
                    watch.close();
                } catch (IOException closing) {
                    // the wait below ends at its deadline instead
                }
            });
            while (writing(folder, name, watch, watched).isEmpty() && !work.isDone()) {
                long left = deadline - System.nanoTime();
                java.nio.file.WatchKey key = left > 0 ? watch.poll(left, TimeUnit.NANOSECONDS) : null;
                if (key == null) {
                    break;
                }
                key.pollEvents();
                key.reset();
            }
        } catch (java.nio.file.ClosedWatchServiceException ended) {
            // the work ended: said below
        }
        assertThat(staged(folder, name)).as("bytes are being written; " + (work.isDone() ? "but the work ended: "
                + work.handle((r, e) -> e == null ? r : e).join() : "")).isNotEmpty();
        run("pkill", "-KILL", "-P", Files.readString(sshd.pidFile()).trim());
    }

    /** The file named {@code name} in the batch folder under {@code folder} once it holds bytes; watches what is new. */
    private static Optional<Path> writing(Path folder, String name, java.nio.file.WatchService watch, Set<Path> watched)
            throws IOException {
        try (Stream<Path> all = Files.walk(folder, 3)) {
            for (Path dir : all.filter(Files::isDirectory).toList()) {
                if (watched.add(dir)) {
                    dir.register(watch, java.nio.file.StandardWatchEventKinds.ENTRY_CREATE,
                            java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY);
                }
            }
        } catch (java.nio.file.NoSuchFileException | java.io.UncheckedIOException gone) {
            // a folder went while walked: the next event looks again
        }
        return staged(folder, name).filter(p -> {
            try {
                return Files.size(p) > 0;
            } catch (IOException gone) {
                return false;
            }
        });
    }

    /** The file named {@code name} in the batch folder: K/NAME, or K.NAME when the batch names its files so. */
    private static Optional<Path> staged(Path folder, String name) {
        try (Stream<Path> files = Files.list(folder.resolve(WriteStream.BATCH))) {
            return files.map(k -> Files.isDirectory(k) ? k.resolve(name) : k)
                    .filter(p -> p.getFileName().toString().matches("(\\d+\\.)?" + java.util.regex.Pattern.quote(name)))
                    .filter(Files::exists).findFirst();
        } catch (IOException notYet) {
            return Optional.empty();
        }
    }

    private static void assertNoTemporaryFile(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            assertThat(all.filter(p -> p.getFileName().toString().endsWith(LocalHost.TEMP_SUFFIX))).isEmpty();
        }
    }

    private static String attributes(Path file) throws IOException, InterruptedException {
        return run("stat", "-c", "%U:%G %a", file.toString()).strip();
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
        return out;
    }
}
