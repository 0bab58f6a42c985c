package dev.driftless.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.GitDaemon;
import dev.driftless.testing.TestRepo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.transport.RefSpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bare repository whose HEAD names a branch nobody pushed: what {@code git init --bare} leaves (HEAD says
 * master) when the team pushes only main. {@code --ref main} reads it in every form --repo takes; without
 * --ref the error says what HEAD names and which branches there are.
 */
class UnbornHeadTest {

    @TempDir
    Path tmp;

    Path served;
    Path bare;
    Path root;
    Path cache;

    @BeforeEach
    void setUp() throws Exception {
        served = tmp.resolve("served");
        bare = served.resolve("infra.git");
        root = tmp.resolve("root");
        cache = tmp.resolve("cache");
        try (TestRepo work = TestRepo.init(tmp.resolve("work"))) {
            work.write("driftless.yaml", "hosts:\n  h:\n    address: local\n");
            work.write("services/motd/service.yaml", "hosts: [h]\nfiles:\n  - path: /etc/motd\n    content: \"from main\\n\"\n");
            work.commit("motd");
            Git.init().setBare(true).setInitialBranch("master").setDirectory(bare.toFile()).call().close();
            try (Git git = Git.open(work.dir().toFile())) {
                git.push().setRemote(bare.toUri().toString()).setRefSpecs(new RefSpec("refs/heads/main:refs/heads/main"))
                        .call();
            }
        }
    }

    private Cli.Result run(String command, String repo, String... more) {
        List<String> args = new ArrayList<>(List.of(command, "--repo", repo, "--root", root.toString(), "--cache",
                cache.toString()));
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    private void assertAppliesWithRefMain(String repo) {
        Cli.Result plan = run("plan", repo, "--ref", "main");
        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2);
        assertThat(plan.out()).contains("+ /etc/motd");

        Cli.Result apply = run("apply", repo, "--ref", "main");
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(root.resolve("etc/motd")).hasContent("from main");
    }

    @Test
    void aFileUrlIsPlannedAndAppliedWithRefMain() {
        assertAppliesWithRefMain("file://" + bare);
    }

    @Test
    void aGitDaemonUrlIsPlannedAndAppliedWithRefMain() throws Exception {
        try (GitDaemon daemon = GitDaemon.serve(served)) {
            assertAppliesWithRefMain(daemon.url("infra.git"));
        }
    }

    @Test
    void withoutRefAFileUrlNamesTheBranchHeadNamesAndTheBranchesItHas() {
        Cli.Result plan = run("plan", "file://" + bare);

        assertThat(plan.exitCode()).isEqualTo(1);
        assertThat(plan.err()).contains("file://" + bare + ": the repository's HEAD names branch 'master', which does"
                + " not exist; it has: main. Give --ref main, or set its HEAD with git symbolic-ref HEAD refs/heads/main");
        assertThat(plan.err()).doesNotContain("Remote branch 'HEAD'");
    }

    @Test
    void withoutRefALocalBareRepositorySaysTheSameAndWithRefMainIsApplied() {
        Cli.Result plan = run("plan", bare.toString());

        assertThat(plan.exitCode()).isEqualTo(1);
        assertThat(plan.err()).contains(bare + ": the repository's HEAD names branch 'master', which does not exist;"
                + " it has: main. Give --ref main")
                .doesNotContain("has no commits yet");
        assertAppliesWithRefMain(bare.toString());
    }

    @Test
    void withoutRefAGitDaemonUrlNamesTheBranchesItHas() throws Exception {
        try (GitDaemon daemon = GitDaemon.serve(served)) {
            Cli.Result plan = run("plan", daemon.url("infra.git"));

            assertThat(plan.exitCode()).isEqualTo(1);
            // git:// does not say which branch an unborn HEAD names, only that HEAD names none it has
            assertThat(plan.err()).contains(daemon.url("infra.git") + ": the repository's HEAD names a branch that"
                    + " does not exist; it has: main. Give --ref main, or set its HEAD with git symbolic-ref HEAD"
                    + " refs/heads/main");
        }
    }
}
