package dev.driftless.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.testing.PushedRepo;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whether a fetched commit descends from one fetched before, told from the agent's shallow (depth 1) cache: it is
 * deepened step by step, bounded, to find the earlier commit. A real git daemon and real (force-)pushes.
 */
class AncestryTest {

    @TempDir
    Path tmp;

    PushedRepo repo;
    RepoSource source;

    @BeforeEach
    void setUp() throws Exception {
        repo = PushedRepo.create(tmp);
        source = new RepoSource(tmp.resolve("cache"), RepoSource.GitAuth.none(), true);
    }

    @AfterEach
    void tearDown() {
        repo.close();
    }

    /** Fetches main as the agent does and reads its newest commit. */
    private RepoSource.Checkout fetched() {
        source.fetch(repo.url(), Optional.of("main"));
        return source.openFetched(new RepoSource.Request(repo.url(), Optional.of("main"), Optional.empty(),
                RepoSource.ReadFrom.COMMIT));
    }

    private String fetchedCommit() {
        try (RepoSource.Checkout checkout = fetched()) {
            return checkout.commit().id();
        }
    }

    @Test
    void aCommitFortyCommitsLaterIsFoundToDescendByDeepeningTheShallowCache() {
        repo.write("a", "1\n").commitAndPush("first");
        String applied = fetchedCommit();
        repo.commitManyAndPush(40);

        try (RepoSource.Checkout checkout = fetched()) {
            assertThat(checkout.ancestry(applied)).isEqualTo(Ancestry.DESCENDS);
        }
    }

    @Test
    void aSourceThatGoesAwayWhileDeepeningIsAnErrorNotAStepBack() {
        repo.write("a", "1\n").commitAndPush("first");
        String applied = fetchedCommit();
        repo.commitManyAndPush(40);

        try (RepoSource.Checkout checkout = fetched()) {
            repo.close(); // the git daemon stops between the fetch of the new commit and the deepening
            // "diverges" would refuse a good commit as a rewind; the agent must try again at the next fetch instead
            assertThatThrownBy(() -> checkout.ancestry(applied)).isInstanceOf(SourceException.class)
                    .hasMessageContaining(repo.url());
        }
    }

    @Test
    void aCommitPushedRightOnTopOfTheAppliedOneDescendsWithoutFetchingMoreHistory() {
        repo.write("a", "1\n").commitAndPush("first");
        String applied = fetchedCommit();
        repo.write("a", "2\n").commitAndPush("second");

        try (RepoSource.Checkout checkout = fetched()) {
            repo.close(); // no more fetches: the new commit's own object names its parent
            assertThat(checkout.ancestry(applied)).isEqualTo(Ancestry.DESCENDS);
        }
    }

    @Test
    void theSameCommitDescendsFromItself() {
        repo.write("a", "1\n").commitAndPush("first");
        String applied = fetchedCommit();

        try (RepoSource.Checkout checkout = fetched()) {
            assertThat(checkout.ancestry(applied)).isEqualTo(Ancestry.DESCENDS);
        }
    }

    @Test
    void aForcePushBackToAnOlderCommitDiverges() {
        String old = repo.write("a", "1\n").commitAndPush("old");
        repo.write("a", "2\n").commitAndPush("middle");
        String applied = repo.write("a", "3\n").commitAndPush("newest");
        assertThat(fetchedCommit()).isEqualTo(applied);

        repo.forcePush(old);

        try (RepoSource.Checkout checkout = fetched()) {
            assertThat(checkout.commit().id()).isEqualTo(old);
            assertThat(checkout.ancestry(applied)).isEqualTo(Ancestry.DIVERGES);
        }
    }

    @Test
    void aRewrittenHistoryDiverges() {
        repo.write("a", "1\n").commitAndPush("first");
        String applied = repo.write("a", "2\n").commitAndPush("second");
        assertThat(fetchedCommit()).isEqualTo(applied);

        String rewritten = repo.amendAndForcePush("second, rewritten");

        try (RepoSource.Checkout checkout = fetched()) {
            assertThat(checkout.commit().id()).isEqualTo(rewritten);
            assertThat(checkout.ancestry(applied)).isEqualTo(Ancestry.DIVERGES);
        }
    }

    @Test
    void anAncestorFurtherBackThanTheBoundIsOutOfReach() {
        repo.write("a", "1\n").commitAndPush("first");
        String applied = fetchedCommit();
        repo.commitManyAndPush(RepoSource.ANCESTRY_DEPTH + 10);

        try (RepoSource.Checkout checkout = fetched()) {
            assertThat(checkout.ancestry(applied)).isEqualTo(Ancestry.OUT_OF_REACH);
        }
    }
}
