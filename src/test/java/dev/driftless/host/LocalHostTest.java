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
}
