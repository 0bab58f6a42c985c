package dev.driftless.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cache a URL is fetched into: what a fetch brings into it, and what JGit may do to it on its own. */
class RepositoryCacheTest {

    @TempDir
    Path tmp;

    TestRepo repo;
    Path cache;

    @BeforeEach
    void setUp() {
        cache = tmp.resolve("cache");
        repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  h:\n    address: local\n");
        repo.write("services/motd/service.yaml", "hosts: [h]\nfiles:\n  - path: /etc/motd\n    content: \"main\\n\"\n");
        repo.commit("main");
        repo.tag("v1");
        repo.branch("feature");
        repo.write("services/motd/service.yaml", "hosts: [h]\nfiles:\n  - path: /etc/motd\n    content: \"feature\\n\"\n");
        repo.commit("feature");
        repo.checkout("main");
    }

    private Cli.Result plan(String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("plan", "--repo", "file://" + repo.dir(), "--root",
                tmp.resolve("root").toString(), "--cache", cache.toString()));
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    private Repository openCache() throws IOException {
        try (Stream<Path> list = Files.list(cache)) {
            Path git = list.filter(p -> p.getFileName().toString().endsWith(".git")).findFirst().orElseThrow();
            return new FileRepositoryBuilder().setGitDir(git.toFile()).setMustExist(true).build();
        }
    }

    private List<String> cachedRefs() throws IOException {
        try (Repository cached = openCache()) {
            return cached.getRefDatabase().getRefsByPrefix(Constants.R_REFS).stream().map(Ref::getName).sorted().toList();
        }
    }

    @Test
    void anOlderCommitAShallowCacheNeverFetchedIsFetchedWhenAskedFor() throws IOException {
        String first = repo.commit("an empty commit, the healthy one");
        repo.write("services/motd/service.yaml", "hosts: [h]\nfiles:\n  - path: /etc/motd\n    content: \"new\\n\"\n");
        repo.commit("the next one");
        RepoSource shallow = new RepoSource(cache, RepoSource.GitAuth.none(), true);
        RepoSource.Request request = new RepoSource.Request("file://" + repo.dir(), java.util.Optional.of("main"),
                java.util.Optional.empty(), RepoSource.ReadFrom.COMMIT);

        try (RepoSource.Checkout newest = shallow.open(request)) {
            try (Repository cached = openCache()) {
                assertThat(cached.getObjectDatabase().getShallowCommits()).as("fetched with depth 1").isNotEmpty();
                assertThat(cached.getObjectDatabase().has(org.eclipse.jgit.lib.ObjectId.fromString(first))).isFalse();
            }
            try (RepoSource.Checkout older = newest.at(first)) {
                assertThat(older.tree().revision()).isEqualTo(first);
                assertThat(new String(older.tree().read("services/motd/service.yaml").orElseThrow(),
                        java.nio.charset.StandardCharsets.UTF_8)).contains("main");
            }
        }
    }

    @Test
    void withRefOnlyThatBranchIsFetched() throws IOException {
        Cli.Result plan = plan("--ref", "feature");

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2);
        assertThat(plan.out()).contains("+feature");
        assertThat(cachedRefs()).containsExactly("refs/heads/feature");
    }

    @Test
    void withoutRefOnlyTheBranchTheRemoteHeadNamesIsFetched() throws IOException {
        Cli.Result plan = plan();

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2);
        assertThat(plan.out()).contains("+main");
        assertThat(cachedRefs()).containsExactly("refs/heads/main");
        try (Repository cached = openCache()) {
            assertThat(cached.getFullBranch()).isEqualTo("refs/heads/main");
        }
    }

    @Test
    void aTagIsFetchedAsATag() throws IOException {
        Cli.Result plan = plan("--ref", "v1");

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2);
        assertThat(plan.out()).contains("+main");
        assertThat(cachedRefs()).containsExactly("refs/tags/v1");
    }

    @Test
    void aNewCacheHasJGitsAutomaticGcTurnedOff() throws IOException {
        Cli.Result plan = plan();

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2);
        try (Repository cached = openCache()) {
            assertThat(cached.getConfig().getString("gc", null, "auto")).isEqualTo("0");
            assertThat(cached.getConfig().getString("gc", null, "autoPackLimit")).isEqualTo("0");
        }
    }

    @Test
    void aCacheMadeByAnEarlierVersionHasAutomaticGcTurnedOffOnItsNextFetch() throws IOException {
        assertThat(plan().exitCode()).isEqualTo(2);
        try (Repository cached = openCache()) {
            StoredConfig config = cached.getConfig();
            config.unsetSection("gc", null);
            config.save();
        }
        repo.write("services/motd/service.yaml", "hosts: [h]\nfiles:\n  - path: /etc/motd\n    content: \"later\\n\"\n");
        repo.commit("later");

        Cli.Result plan = plan();

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2);
        assertThat(plan.out()).contains("+later");
        try (Repository cached = openCache()) {
            assertThat(cached.getConfig().getString("gc", null, "auto")).isEqualTo("0");
            assertThat(cached.getConfig().getString("gc", null, "autoPackLimit")).isEqualTo("0");
        }
    }
}
