package dev.driftless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * plan, check and apply read the commit, never the working tree: a new user who edits and plans without
 * committing is told which files the command ignored, and how to review them.
 */
class UncommittedFilesNoteTest {

    @TempDir
    Path tmp;

    TestRepo repo;
    Path root;

    @BeforeEach
    void setUp() {
        root = tmp.resolve("root");
        repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/motd/service.yaml", """
                hosts: [box]
                files:
                  - path: /etc/motd
                    source: motd
                """);
        repo.write("services/motd/motd", "committed\n");
        repo.commit("motd");
    }

    private Cli.Result run(String command, String... more) {
        return Cli.on(command, repo.dir(), root, more);
    }

    @Test
    void planNamesTheUncommittedFilesItIgnoresAndHowToReviewThem() {
        repo.write("services/motd/motd", "edited\n").write("services/motd/extra.conf", "new\n");

        Cli.Result plan = run("plan");

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2);
        assertThat(plan.out()).contains("+committed").doesNotContain("edited");
        assertThat(plan.err()).as(plan.toString()).contains(
                "Note: this plan reads commit ", " (HEAD), not the 2 uncommitted files in " + repo.dir() + ":\n"
                        + "  services/motd/extra.conf (untracked)\n"
                        + "  services/motd/motd (modified)\n"
                        + "Commit them first, or review them with 'driftless plan --worktree'.\n");
    }

    @Test
    void aCleanWorkingTreeGetsNoNote() {
        Cli.Result plan = run("plan");

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2);
        assertThat(plan.err()).doesNotContain("Note:");
    }

    @Test
    void applyAndCheckSayItTooAndTheEditStaysOffTheHost() throws IOException {
        repo.write("services/motd/motd", "edited\n");

        Cli.Result apply = run("apply");
        Cli.Result check = run("check");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(apply.err()).contains("Note: this apply reads commit ", "  services/motd/motd (modified)\n",
                "Commit it first, or review it with 'driftless plan --worktree'.");
        assertThat(Files.readString(root.resolve("etc/motd"))).isEqualTo("committed\n");
        assertThat(check.exitCode()).as(check.toString()).isZero();
        assertThat(check.err()).contains("Note: this check reads commit ", "not the uncommitted file in");
    }

    @Test
    void stagedAndDeletedFilesAreNamedToo() throws Exception {
        repo.delete("services/motd/motd");
        repo.write("services/motd/staged.conf", "staged\n");
        try (org.eclipse.jgit.api.Git git = org.eclipse.jgit.api.Git.open(repo.dir().toFile())) {
            git.add().addFilepattern("services/motd/staged.conf").call();
        }

        Cli.Result plan = run("plan");

        assertThat(plan.err()).as(plan.toString()).contains("  services/motd/motd (deleted)\n",
                "  services/motd/staged.conf (added)\n");
    }

    @Test
    void aLongListNamesTenFilesThenSaysHowManyMore() {
        for (int i = 10; i < 23; i++) {
            repo.write("services/motd/new-" + i + ".conf", "x\n");
        }

        Cli.Result plan = run("plan");

        assertThat(plan.err()).as(plan.toString()).contains("not the 13 uncommitted files", "  services/motd/new-19.conf",
                "  and 3 more\n").doesNotContain("new-20.conf");
    }

    @Test
    void worktreeOrAnotherRefGetsNoNote() {
        repo.write("services/motd/motd", "edited\n");

        Cli.Result worktree = run("plan", "--worktree");
        Cli.Result ref = run("plan", "--ref", "main");

        assertThat(worktree.exitCode()).as(worktree.toString()).isEqualTo(2);
        assertThat(worktree.out()).contains("+edited");
        assertThat(worktree.err()).doesNotContain("Note:");
        assertThat(ref.exitCode()).as(ref.toString()).isEqualTo(2);
        assertThat(ref.err()).doesNotContain("Note:");
    }

    @Test
    void filesOutsideTheDriftlessFolderAreNotNamedAndInsideItAreNamedFromIt() {
        TestRepo mono = TestRepo.init(tmp.resolve("mono"));
        mono.write("README.md", "a repository with more than infrastructure\n");
        mono.write("infra/driftless.yaml", "hosts:\n  box:\n    address: local\n");
        mono.write("infra/services/motd/service.yaml", "hosts: [box]\nfiles:\n  - path: /etc/motd\n    content: \"x\\n\"\n");
        mono.commit("infra beside the rest");
        mono.write("README.md", "edited, not infrastructure\n");

        Cli.Result clean = Cli.on("plan", mono.dir().resolve("infra"), root);
        mono.write("infra/services/motd/notes.txt", "new\n");
        Cli.Result dirty = Cli.on("plan", mono.dir().resolve("infra"), root);

        assertThat(clean.err()).as(clean.toString()).doesNotContain("Note:");
        assertThat(dirty.err()).as(dirty.toString()).contains("uncommitted file in " + mono.dir().resolve("infra") + ":\n"
                + "  services/motd/notes.txt (untracked)\n").doesNotContain("README.md");
    }

    @Test
    void aRepositoryReadFromAUrlGetsNoNote() {
        repo.write("services/motd/motd", "edited\n");

        Cli.Result plan = Cli.run("plan", "--repo", "file://" + repo.dir(), "--root", root.toString(),
                "--cache", tmp.resolve("cache").toString());

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2);
        assertThat(plan.err()).doesNotContain("Note:");
    }

    @Test
    void ignoredFilesAreNotNamed() {
        repo.write(".gitignore", "*.swp\n").commit("ignore editor files");
        repo.write("services/motd/.motd.swp", "editor state\n");

        Cli.Result plan = run("plan");

        assertThat(plan.err()).as(plan.toString()).doesNotContain("Note:");
    }
}
