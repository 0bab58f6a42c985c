package dev.driftless.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.GitDaemon;
import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every form --repo takes: a folder inside a working tree, a bare repository, file:// and git:// URLs. */
class RepositoryLocationsTest {

    @TempDir
    Path tmp;

    TestRepo repo;
    Path root;
    Path cache;

    @BeforeEach
    void setUp() {
        root = tmp.resolve("root");
        cache = tmp.resolve("cache");
        repo = TestRepo.init(tmp.resolve("work"));
        site(repo, "site-a", "from a");
        site(repo, "site-b", "from b");
        repo.commit("two Driftless repositories in one Git repository");
    }

    private static void site(TestRepo repo, String folder, String motd) {
        repo.write(folder + "/driftless.yaml", "hosts:\n  h:\n    address: local\n");
        repo.write(folder + "/services/motd/service.yaml", """
                hosts: [h]
                files:
                  - path: /etc/motd
                    source: motd
                """);
        repo.write(folder + "/services/motd/motd", motd + "\n");
    }

    private String motd() throws IOException {
        return Files.readString(root.resolve("etc/motd"));
    }

    @Test
    void aFolderInsideAWorkingTreeIsTheRootOfItsOwnDriftlessRepository() throws IOException {
        Cli.Result apply = Cli.on("apply", repo.dir().resolve("site-b"), root);

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(motd()).isEqualTo("from b\n");
    }

    @Test
    void pathPicksTheFolderInsideTheRepository() throws IOException {
        Cli.Result apply = Cli.on("apply", repo.dir(), root, "--path", "site-a");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(motd()).isEqualTo("from a\n");
    }

    @Test
    void aBareRepositoryIsReadFromItsCommits() throws Exception {
        Path bare = tmp.resolve("bare.git");
        Git.cloneRepository().setURI(repo.dir().toUri().toString()).setBare(true).setDirectory(bare.toFile()).call().close();

        Cli.Result apply = Cli.on("apply", bare, root, "--path", "site-a");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(motd()).isEqualTo("from a\n");
    }

    @Test
    void aFileUrlIsFetchedIntoTheCacheAndNewCommitsArriveOnTheNextRun() throws IOException {
        Cli.Result first = Cli.run("apply", "--repo", "file://" + repo.dir(), "--root", root.toString(),
                "--path", "site-a", "--cache", cache.toString());
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(motd()).isEqualTo("from a\n");

        repo.write("site-a/services/motd/motd", "from a, later\n").commit("later");
        Cli.Result second = Cli.run("apply", "--repo", "file://" + repo.dir(), "--root", root.toString(),
                "--path", "site-a", "--cache", cache.toString());
        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(motd()).isEqualTo("from a, later\n");
        assertThat(Files.list(cache).filter(p -> p.toString().endsWith(".git")).count()).isEqualTo(1);
    }

    @Test
    void aGitDaemonUrlIsFetchedWithJGit() throws Exception {
        Path served = tmp.resolve("served");
        Files.createDirectories(served);
        Git.cloneRepository().setURI(repo.dir().toUri().toString()).setBare(true)
                .setDirectory(served.resolve("infra.git").toFile()).call().close();
        try (GitDaemon daemon = GitDaemon.serve(served)) {
            Cli.Result apply = Cli.run("apply", "--repo", daemon.url("infra.git"), "--path", "site-b",
                    "--root", root.toString(), "--cache", cache.toString());

            assertThat(apply.exitCode()).as(apply.toString()).isZero();
            assertThat(motd()).isEqualTo("from b\n");
        }
    }

    @Test
    void aUrlThatCannotBeFetchedIsAClearError() {
        Cli.Result plan = Cli.run("plan", "--repo", "file://" + tmp.resolve("nowhere"), "--cache", cache.toString());

        assertThat(plan.exitCode()).isEqualTo(1);
        assertThat(plan.err()).contains("cannot fetch file://" + tmp.resolve("nowhere"));
    }

    @Test
    void aFolderOutsideAnyGitRepositoryIsAClearError() throws IOException {
        Path plain = Files.createDirectories(tmp.resolve("plain"));

        Cli.Result plan = Cli.on("plan", plain, root);

        assertThat(plan.exitCode()).isEqualTo(1);
        assertThat(plan.err()).contains("is not a Git repository (nor inside one)");
    }

    @Test
    void aRepositoryWithoutCommitsSaysToCommitFirst() {
        TestRepo empty = TestRepo.init(tmp.resolve("empty"));
        empty.write("driftless.yaml", "hosts: {}\n");

        Cli.Result plan = Cli.on("plan", empty.dir(), root);

        assertThat(plan.exitCode()).isEqualTo(1);
        assertThat(plan.err()).contains("has no commits yet: commit your files first");
    }
}
