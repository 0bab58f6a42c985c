package dev.driftless.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Command;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tag mode's version order against its oracle: the order the real {@code git tag -l --sort=version:refname} gives the
 * same tags, with and without {@code versionsort.suffix=-}.
 */
class VersionOrderTest {

    /** Names where a plain string order, or a naive number order, goes wrong. */
    private static final List<String> TRICKY = List.of("v1.9", "v1.10", "v1.2", "v1.02", "v1.002", "v1.0", "v1.00",
            "v1.01", "v1.010", "v1.09", "v1.1", "v01.1", "v001.1", "v2.0.0", "v2.0.0-rc1", "v2.0.0-rc2", "v2.0.0-rc10",
            "v2.0.0-beta", "v2.0.0.1", "v2.0.1-rc1", "v2.0", "v2.0a", "v2.0b", "v2.0-alpha", "v10.0", "v9.99.99",
            "v1.9.0", "v1.9a1", "v1.9rc", "vx.y", "v1.x", "v1", "v", "v0", "v00", "v000", "v0.0.0", "v1.0-1", "v1.0-2",
            "v1.0-10", "v1.0--1", "release-3", "release-20", "release-003", "release-3-hotfix", "v3_1", "v3.1.0.0",
            "v123456789012345678901234567890", "v123456789012345678901234567891", "v99999999999999999999");

    @TempDir
    Path tmp;

    Path repo;

    @BeforeEach
    void setUp() {
        repo = tmp.resolve("repo");
        git(tmp, "init", "-q", repo.toString());
        git(repo, "commit", "-q", "--allow-empty", "-m", "tagged");
        List<String> shuffled = new ArrayList<>(TRICKY);
        Collections.shuffle(shuffled, new Random(15));
        for (String tag : shuffled) {
            git(repo, "tag", tag);
        }
    }

    private static String git(Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of("git", "-C", dir.toString(), "-c", "user.name=Test", "-c",
                "user.email=test@example.org", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"));
        command.addAll(List.of(args));
        return Command.run(Duration.ofSeconds(30), command).orThrow().output();
    }

    private List<String> gitOrder(String... config) {
        List<String> args = new ArrayList<>(List.of(config));
        args.addAll(List.of("tag", "-l", "--sort=version:refname"));
        return git(repo, args.toArray(String[]::new)).lines().toList();
    }

    private static List<String> sorted(VersionOrder order) {
        List<String> tags = new ArrayList<>(TRICKY);
        Collections.shuffle(tags, new Random(42));
        tags.sort(order);
        return tags;
    }

    @Test
    void ordersTagsAsGitsVersionSortDoes() {
        assertThat(sorted(VersionOrder.GIT_DEFAULT)).containsExactlyElementsOf(gitOrder());
    }

    @Test
    void ordersPreReleasesBeforeTheirReleaseAsGitWithVersionsortSuffixDashDoes() {
        List<String> git = gitOrder("-c", "versionsort.suffix=-");

        assertThat(sorted(VersionOrder.RELEASES)).containsExactlyElementsOf(git);
        assertThat(git.indexOf("v2.0.0-rc10")).as("the oracle says what tag mode relies on")
                .isBetween(git.indexOf("v2.0.0-rc2"), git.indexOf("v2.0.0"));
    }

    @Test
    void ordersWithSeveralSuffixesAsGitDoes() {
        VersionOrder order = new VersionOrder(List.of("-beta", "-rc", "-"));

        assertThat(sorted(order)).containsExactlyElementsOf(gitOrder("-c", "versionsort.suffix=-beta", "-c",
                "versionsort.suffix=-rc", "-c", "versionsort.suffix=-"));
    }

    @Test
    void aHigherVersionIsHigherThoughItSortsLowerAsText() {
        assertThat(VersionOrder.RELEASES.compare("v1.10", "v1.9")).isPositive();
        assertThat(VersionOrder.RELEASES.compare("v2.0.0", "v2.0.0-rc1")).isPositive();
        assertThat(VersionOrder.RELEASES.compare("v1.0", "v1.0")).isZero();
    }
}
