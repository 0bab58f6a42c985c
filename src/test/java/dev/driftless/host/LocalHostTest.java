package dev.driftless.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.model.Ownership;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local host's inspection and writes, on the real file system. */
class LocalHostTest {

    @TempDir
    Path root;

    @TempDir
    Path outside;

    private LocalHost host() {
        return new LocalHost("h", Optional.of(root));
    }

    private Path settledFile(String name, String content) throws IOException {
        Path file = root.resolve(name);
        Files.writeString(file, content);
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(60)));
        return file;
    }

    /** A host whose clock runs a minute ahead, so that files written by the test count as settled. */
    private LocalHost aMinuteLater() {
        return new LocalHost("h", Optional.of(root), Clock.offset(Clock.systemUTC(), Duration.ofMinutes(1)));
    }

    @Test
    void aFileWhoseStatIsUnchangedIsNotReadAgain() throws IOException {
        settledFile("a.conf", "one\n");
        LiveEntry.File first = (LiveEntry.File) aMinuteLater().inspect(List.of("/a.conf")).get("/a.conf");
        assertThat(first.stat()).isNotNull();
        assertThat(first.sha256()).isEqualTo(LocalHost.sha256("one\n".getBytes()));

        LiveEntry.File trusted = (LiveEntry.File) aMinuteLater().inspect(List.of("/a.conf"),
                Map.of("/a.conf", new LiveEntry.Known(first.stat(), "recorded-digest"))).get("/a.conf");

        assertThat(trusted.sha256()).isEqualTo("recorded-digest");
    }

    @Test
    void aFileChangedWithinTheSameSecondsIsAlwaysRead() throws IOException {
        Path file = root.resolve("a.conf");
        Files.writeString(file, "one\n");

        LiveEntry.File live = (LiveEntry.File) host().inspect(List.of("/a.conf")).get("/a.conf");

        assertThat(live.stat()).as("too recent to identify the content").isNull();
    }

    @Test
    void aFileChangedAfterItsStatWasRecordedIsReadAgain() throws IOException {
        Path file = settledFile("a.conf", "one\n");
        String oldStat = "0:0:4:0:0";
        Files.writeString(file, "two\n");

        LiveEntry.File live = (LiveEntry.File) aMinuteLater().inspect(List.of("/a.conf"),
                Map.of("/a.conf", new LiveEntry.Known(oldStat, "stale-digest"))).get("/a.conf");

        assertThat(live.sha256()).isEqualTo(LocalHost.sha256("two\n".getBytes()));
        assertThat(live.stat()).isNotEqualTo(oldStat);
    }

    @Test
    void writeFileReplacesALinkInsteadOfWritingThroughIt() throws IOException {
        Path target = settledFile("target", "keep\n");
        Files.createSymbolicLink(root.resolve("link"), target);

        host().writeFile("/link", "new\n".getBytes(), Ownership.KEEP);

        assertThat(Files.readString(target)).isEqualTo("keep\n");
        assertThat(Files.isSymbolicLink(root.resolve("link"))).isFalse();
        assertThat(Files.readString(root.resolve("link"))).isEqualTo("new\n");
    }

    @Test
    void aFileReplacingALinkGetsTheDefaultModeNotTheModeOfTheLink() throws IOException {
        Files.createSymbolicLink(root.resolve("link"), Path.of("/nowhere"));

        host().writeFile("/link", "new\n".getBytes(), Ownership.KEEP);

        assertThat((Integer) Files.getAttribute(root.resolve("link"), "unix:mode") & 07777).isEqualTo(0644);
    }

    @Test
    void writeFileKeepsTheModeOfTheFileItReplacesUnlessTheResourceSetsOne() throws IOException {
        Path file = settledFile("a.conf", "one\n");
        Files.setAttribute(file, "unix:mode", 0600);

        host().writeFile("/a.conf", "two\n".getBytes(), Ownership.KEEP);
        assertThat((Integer) Files.getAttribute(file, "unix:mode") & 07777).isEqualTo(0600);

        host().writeFile("/a.conf", "three\n".getBytes(), new Ownership(Optional.of(0640), Optional.empty(), Optional.empty()));
        assertThat((Integer) Files.getAttribute(file, "unix:mode") & 07777).isEqualTo(0640);
    }

    @Test
    void anUnknownOwnerIsAClearErrorAndTheOldFileStays() throws IOException {
        Path file = settledFile("a.conf", "one\n");

        assertThatThrownBy(() -> host().writeFile("/a.conf", "two\n".getBytes(),
                new Ownership(Optional.empty(), Optional.of("no-such-user-here"), Optional.empty())))
                .isInstanceOf(HostException.class).hasMessageContaining("user 'no-such-user-here' does not exist");
        assertThat(Files.readString(file)).isEqualTo("one\n");
        try (var files = Files.list(root)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("a.conf");
        }
    }

    @Test
    void inspectReportsEveryKindWithoutFollowingLinks() throws IOException {
        Files.createDirectory(root.resolve("dir"));
        Files.createSymbolicLink(root.resolve("link"), Path.of("/nowhere"));
        settledFile("file", "x");

        Map<String, LiveEntry> live = host().inspect(List.of("/dir", "/link", "/file", "/missing", "/file/below"));

        assertThat(live.get("/dir")).isInstanceOf(LiveEntry.Directory.class);
        assertThat(live.get("/link")).isEqualTo(new LiveEntry.Symlink("/nowhere"));
        assertThat(live.get("/file")).isInstanceOf(LiveEntry.File.class);
        assertThat(live.get("/missing")).isInstanceOf(LiveEntry.Missing.class);
        assertThat(live.get("/file/below")).isInstanceOf(LiveEntry.Missing.class);
    }

    /** Replaces {@code dir} under the root by a link to the folder outside it. */
    private void linkOutside(String dir) throws IOException {
        Path link = root.resolve(dir);
        Files.createDirectories(link.getParent());
        Files.createSymbolicLink(link, outside);
    }

    private String refusal(String path, String link) throws IOException {
        return "h: " + path + ": refused: " + link + " is a symbolic link to " + outside.toRealPath() + ", outside the root "
                + root + "; Driftless never";
    }

    private List<String> outsideFiles() throws IOException {
        try (var files = Files.list(outside)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aWriteBelowAParentLinkedOutsideTheRootIsRefusedAndNothingAppearsOutside() throws IOException {
        linkOutside("etc/app");

        assertThatThrownBy(() -> host().writeFile("/etc/app/x.conf", "x\n".getBytes(), Ownership.KEEP))
                .isInstanceOf(HostException.class).hasMessageStartingWith(refusal("/etc/app/x.conf", "/etc/app"))
                .hasMessageEndingWith("Driftless never writes outside the root");
        assertThatThrownBy(() -> host().writeFile("/etc/app/deeper/x.conf", "x\n".getBytes(), Ownership.KEEP))
                .hasMessageStartingWith(refusal("/etc/app/deeper/x.conf", "/etc/app"));
        assertThatThrownBy(() -> host().makeDirectory("/etc/app/dir", Ownership.KEEP))
                .hasMessageStartingWith(refusal("/etc/app/dir", "/etc/app"));
        assertThatThrownBy(() -> host().symlink("/etc/app/link", "/etc/passwd"))
                .hasMessageStartingWith(refusal("/etc/app/link", "/etc/app"));
        assertThat(outsideFiles()).isEmpty();
    }

    @Test
    void aRemoveBelowAParentLinkedOutsideTheRootIsRefusedAndTheOutsideFileSurvives() throws IOException {
        Files.writeString(outside.resolve("x.conf"), "theirs\n");
        linkOutside("etc/app");

        assertThatThrownBy(() -> host().remove("/etc/app/x.conf"))
                .isInstanceOf(HostException.class).hasMessageStartingWith(refusal("/etc/app/x.conf", "/etc/app"));
        assertThat(Files.readString(outside.resolve("x.conf"))).isEqualTo("theirs\n");
    }

    @Test
    void inspectReportsAFileBelowALinkOutsideTheRootAsRefusedAndReadReadsNothingThere() throws IOException {
        Files.writeString(outside.resolve("x.conf"), "theirs\n");
        linkOutside("etc/app");

        LiveEntry live = host().inspect(List.of("/etc/app/x.conf")).get("/etc/app/x.conf");

        assertThat(live).isInstanceOf(LiveEntry.Refused.class);
        assertThat(((LiveEntry.Refused) live).reason("writes")).startsWith(refusal("/etc/app/x.conf", "/etc/app").substring(3));
        assertThatThrownBy(() -> host().read("/etc/app/x.conf", 1024))
                .isInstanceOf(HostException.class).hasMessageStartingWith(refusal("/etc/app/x.conf", "/etc/app"));
    }

    @Test
    void leftoversAreNeverLookedForOutsideTheRoot() throws IOException {
        Files.createDirectories(outside.resolve("app"));
        Files.writeString(outside.resolve("app/.x.conf.driftless-tmp"), "theirs\n");
        linkOutside("etc");

        assertThat(host().removeLeftovers(List.of("/etc/app"))).isZero();
        assertThat(outside.resolve("app/.x.conf.driftless-tmp")).exists();
    }

    @Test
    void aLinkedLockFileIsAnErrorAndWhatItPointsAtIsNotTruncated() throws IOException {
        Path victim = outside.resolve("victim");
        Files.writeString(victim, "precious\n");
        Files.createDirectories(root.resolve("var/lib/driftless"));
        Files.createSymbolicLink(root.resolve("var/lib/driftless/lock"), victim);

        assertThatThrownBy(() -> host().lock(Duration.ofSeconds(1), message -> { }))
                .isInstanceOf(HostException.class).hasMessageContaining("/var/lib/driftless/lock")
                .hasMessageContaining("symbolic link");
        assertThat(Files.readString(victim)).isEqualTo("precious\n");
    }

    @Test
    void aLinkedDriftlessFolderRefusesTheLockAndTheStateFile() throws IOException {
        linkOutside("var/lib/driftless");

        assertThatThrownBy(() -> host().lock(Duration.ofSeconds(1), message -> { }))
                .isInstanceOf(HostException.class)
                .hasMessageStartingWith(refusal("/var/lib/driftless/lock", "/var/lib/driftless"));
        assertThatThrownBy(() -> dev.driftless.state.StateFile.write(host(), dev.driftless.state.HostState.empty("h")))
                .isInstanceOf(HostException.class)
                .hasMessageStartingWith(refusal("/var/lib/driftless/state/h.json", "/var/lib/driftless"));
        assertThat(outsideFiles()).isEmpty();
    }

    @Test
    void aRelativeLinkInsideTheRootIsFollowedAsDebiansLibIsAUsrLib() throws IOException {
        Files.createDirectories(root.resolve("usr/lib"));
        Files.createSymbolicLink(root.resolve("lib"), Path.of("usr/lib"));
        LocalHost host = host();

        host.writeFile("/lib/x.conf", "x\n".getBytes(), Ownership.KEEP);
        host.makeDirectory("/lib/dir/sub", Ownership.KEEP);

        assertThat(Files.readString(root.resolve("usr/lib/x.conf"))).isEqualTo("x\n");
        assertThat(root.resolve("usr/lib/dir/sub")).isDirectory();
        assertThat(host.inspect(List.of("/lib/x.conf")).get("/lib/x.conf")).isInstanceOf(LiveEntry.File.class);
        assertThat(host.read("/lib/x.conf", 1024)).hasValueSatisfying(b -> assertThat(b).isEqualTo("x\n".getBytes()));
        assertThat(host.remove("/lib/x.conf")).isEqualTo(Host.Removal.REMOVED);
        assertThat(root.resolve("usr/lib/x.conf")).doesNotExist();
    }

    @Test
    void withoutARootNothingIsOutsideAndParentLinksAreFollowedAsBefore() throws IOException {
        linkOutside("etc/app");
        LocalHost machine = new LocalHost("h", Optional.empty());

        machine.writeFile(root.resolve("etc/app/x.conf").toString(), "x\n".getBytes(), Ownership.KEEP);

        assertThat(outsideFiles()).containsExactly("x.conf");
    }

    @Test
    void readGivesNothingAboveItsLimitWithoutReadingTheFile() throws IOException {
        settledFile("big", "0123456789");

        assertThat(host().read("/big", 9)).isEmpty();
        assertThat(host().read("/big", 10)).hasValueSatisfying(b -> assertThat(b).isEqualTo("0123456789".getBytes()));
    }

    @Test
    void aReadingKeepsItsFirstLinesPast64KiBWhereACommandKeepsItsEnd() {
        // as a plan's reading of an engine with 30 containers: a marker line, then about 240 KiB of inspect JSON
        String command = "echo '@@engine docker'; head -c 245760 /dev/zero | tr '\\0' x; echo; echo '@@end'";

        String reading = host().inspectAndRun(List.of(), Map.of(), command, Duration.ofSeconds(30)).ran().output();
        String ran = host().run(command, Map.of(), Duration.ofSeconds(30)).output();

        assertThat(reading).startsWith("@@engine docker\n").endsWith("\n@@end\n").hasSize(16 + 245760 + 1 + 6);
        assertThat(ran).hasSize(64 * 1024).endsWith("\n@@end\n").doesNotContain("@@engine");
    }

    @Test
    void missingAccountsAreThoseTheMachineDoesNotHave() {
        Host.Accounts missing = host().missing(new Host.Accounts(
                java.util.Set.of("root", "no-such-user-here"), java.util.Set.of("root", "nogroup", "no-such-group-here")));

        assertThat(missing).isEqualTo(new Host.Accounts(java.util.Set.of("no-such-user-here"),
                java.util.Set.of("no-such-group-here")));
    }
}
