package dev.driftless.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.TestRepo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A commit's files read more than once (validation reads every file, rendering most of them again) come from memory
 * after the first read: the same bytes, a copy each time, and a file larger than asked for is left unread.
 */
class CommitTreeReadsTest {

    @TempDir
    Path tmp;

    @Test
    void aFileReadAgainHasTheSameBytesAndEveryReaderGetsItsOwnCopy() throws Exception {
        TestRepo repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("services/app/a.conf", "a = 1\n").write("services/app/same.conf", "a = 1\n")
                .write("services/app/big.conf", "x".repeat(4096)).commit("files");
        try (Git git = Git.open(repo.dir().toFile()); RevWalk walk = new RevWalk(git.getRepository())) {
            Repository repository = git.getRepository();
            CommitTree tree = new CommitTree(repository, walk.parseCommit(repository.resolve("HEAD")), "");

            byte[] first = tree.read("services/app/a.conf").orElseThrow();
            first[0] = 'Z'; // what one reader does to its bytes is not what the next one reads
            assertThat(tree.read("services/app/a.conf").orElseThrow()).asString(StandardCharsets.UTF_8)
                    .isEqualTo("a = 1\n");
            // the same blob under another name
            assertThat(tree.read("services/app/same.conf").orElseThrow()).asString(StandardCharsets.UTF_8)
                    .isEqualTo("a = 1\n");

            assertThat(tree.readAtMost("services/app/big.conf", 4095)).isEmpty();
            assertThat(tree.readAtMost("services/app/big.conf", 4096)).hasValueSatisfying(b -> assertThat(b).hasSize(4096));
            assertThat(tree.readAtMost("services/app/big.conf", 100)).as("read before, still larger than asked").isEmpty();
            assertThat(tree.readAtMost("services/app", 1 << 20)).as("a folder").isEmpty();
            assertThat(tree.readAtMost("services/app/missing.conf", 1 << 20)).isEmpty();
        }
    }
}
