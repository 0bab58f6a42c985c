package dev.driftless.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The working tree as `plan --worktree` reads it: only paths inside the root, never through a link. */
class WorktreeTreeTest {

    @TempDir
    Path tmp;

    WorktreeTree tree;

    @BeforeEach
    void setUp() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("repo"));
        Files.createDirectories(tmp.resolve("outside/deeper"));
        Files.writeString(tmp.resolve("outside/secret.txt"), "outside\n");
        Files.writeString(tmp.resolve("outside/deeper/more.txt"), "more\n");
        Files.createDirectories(root.resolve("services/app"));
        Files.writeString(root.resolve("services/app/app.peb"), "inside\n");
        Files.createSymbolicLink(root.resolve("services/app/conf"), tmp.resolve("outside"));
        tree = new WorktreeTree(root, "abc");
    }

    @Test
    void aPathLeavingTheRootIsMissingAndUnreadable() {
        for (String path : new String[] {"../outside/secret.txt", "services/../../outside/secret.txt",
                "/etc/passwd", tmp.resolve("outside/secret.txt").toString()}) {
            assertThat(tree.type(path)).as(path).isEqualTo(RepoTree.EntryType.MISSING);
            assertThat(tree.read(path)).as(path).isEmpty();
            assertThat(tree.list(path)).as(path).isEmpty();
        }
    }

    @Test
    void aPathThatIsNotNormalisedIsMissingEvenInsideTheRoot() {
        for (String path : new String[] {"services/./app/app.peb", "services//app/app.peb",
                "services/app/../app/app.peb", "services/app/app.peb/"}) {
            assertThat(tree.type(path)).as(path).isEqualTo(RepoTree.EntryType.MISSING);
            assertThat(tree.read(path)).as(path).isEmpty();
        }
        assertThat(tree.read("services/app/app.peb")).isPresent();
    }

    @Test
    void aPathThroughALinkedFolderIsALinkAndIsNeverRead() {
        assertThat(tree.type("services/app/conf")).isEqualTo(RepoTree.EntryType.SYMLINK);
        assertThat(tree.type("services/app/conf/secret.txt")).isEqualTo(RepoTree.EntryType.SYMLINK);
        assertThat(tree.type("services/app/conf/deeper/more.txt")).isEqualTo(RepoTree.EntryType.SYMLINK);
        assertThat(tree.read("services/app/conf/secret.txt")).isEmpty();
        assertThat(tree.list("services/app/conf")).isEmpty();
        assertThat(tree.list("services/app/conf/deeper")).isEmpty();
    }
}
