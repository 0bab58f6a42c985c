package dev.driftless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** driftless init: a new user's first repository validates and plans as it is, and nothing of theirs is overwritten. */
class InitCommandTest {

    private static final List<String> FILES = List.of("driftless.yaml", "services/hello/service.yaml",
            "services/hello/hello.txt.peb", "services/hello/README.md", ".gitignore", ".sops.yaml");

    @TempDir
    Path tmp;

    @Test
    void aNewRepositoryIsCommittedAndValidatesPlansAndRenders() throws Exception {
        Path dir = tmp.resolve("infra");

        Cli.Result init = Cli.run("init", dir.toString(), "--host-name", "box");

        assertThat(init.exitCode()).as(init.toString()).isZero();
        assertThat(init.out()).contains("Wrote a Driftless repository in " + dir, "Made it a Git repository (branch"
                + " main) and committed the files", "driftless validate", "driftless plan --root /tmp/try");
        for (String file : FILES) {
            assertThat(dir.resolve(file)).isRegularFile();
            assertThat(init.out()).contains("  " + file + "\n");
        }
        try (Git git = Git.open(dir.toFile())) {
            assertThat(git.getRepository().getBranch()).isEqualTo("main");
            List<RevCommit> commits = list(git.log().call());
            assertThat(commits).hasSize(1);
            assertThat(git.status().call().isClean()).as("every file is committed").isTrue();
        }

        Cli.Result validate = Cli.run("validate", "--repo", dir.toString());
        assertThat(validate.exitCode()).as(validate.toString()).isZero();
        assertThat(validate.out()).startsWith("Valid: 1 host, 1 service, 1 resource at ");

        Cli.Result plan = Cli.on("plan", dir, tmp.resolve("try"));
        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2);
        assertThat(plan.out()).contains("+ /etc/driftless-hello.txt (hello)", "Plan: 1 to add, 0 to change, 0 to delete.");

        Cli.Result render = Cli.run("render", "hello", "hello.txt.peb", "--repo", dir.toString());
        assertThat(render.exitCode()).as(render.toString()).isZero();
        assertThat(render.out()).startsWith("This file is managed by Driftless on box.\n").contains("Questions: ops@example.org");
    }

    @Test
    void existingFilesAreNamedAndNothingIsWritten() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("infra"));
        Files.writeString(dir.resolve("driftless.yaml"), "hosts: {}\n");
        Files.writeString(dir.resolve(".gitignore"), "target/\n");

        Cli.Result init = Cli.run("init", dir.toString());

        assertThat(init.exitCode()).isEqualTo(1);
        assertThat(init.err()).contains("nothing was written", "already has driftless.yaml, .gitignore",
                "never overwrites");
        assertThat(Files.readString(dir.resolve("driftless.yaml"))).isEqualTo("hosts: {}\n");
        assertThat(dir.resolve("services")).doesNotExist();
        assertThat(dir.resolve(".git")).doesNotExist();
    }

    @Test
    void insideAGitRepositoryTheFilesAreLeftToCommit() throws Exception {
        String before;
        try (TestRepo outer = TestRepo.init(tmp.resolve("outer"))) {
            outer.write("README.md", "ops\n");
            before = outer.commit("start");
        }
        Path dir = tmp.resolve("outer/infra");

        Cli.Result init = Cli.run("init", dir.toString(), "--host-name", "box");

        assertThat(init.exitCode()).as(init.toString()).isZero();
        assertThat(init.out()).contains(dir + " is inside the Git repository " + tmp.resolve("outer")
                + ": the files are not committed.", "git -C " + dir + " add driftless.yaml");
        assertThat(dir.resolve(".git")).doesNotExist();
        try (Git git = Git.open(tmp.resolve("outer").toFile())) {
            assertThat(git.getRepository().resolve("HEAD").getName()).isEqualTo(before);
            git.add().addFilepattern(".").call();
            git.commit().setMessage("driftless init").setSign(false).call();
        }
        Cli.Result validate = Cli.run("validate", "--repo", dir.toString());
        assertThat(validate.exitCode()).as(validate.toString()).isZero();
    }

    @Test
    void theHostIsNamedAfterThisMachine() throws IOException {
        String hostname = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).strip();
        String expected = hostname.contains(".") ? hostname.substring(0, hostname.indexOf('.')) : hostname;

        Cli.Result init = Cli.run("init", tmp.resolve("infra").toString());

        assertThat(init.exitCode()).as(init.toString()).isZero();
        assertThat(Files.readString(tmp.resolve("infra/driftless.yaml"))).contains("\n  " + expected + ":\n");
    }

    @Test
    void aHostNameThatDriftlessYamlCannotHoldIsRefused() {
        Cli.Result init = Cli.run("init", tmp.resolve("infra").toString(), "--host-name", "web 1");

        assertThat(init.exitCode()).isEqualTo(1);
        assertThat(init.err()).contains("'web 1' is not a host name");
        assertThat(tmp.resolve("infra")).doesNotExist();
    }

    private static List<RevCommit> list(Iterable<RevCommit> commits) {
        List<RevCommit> all = new java.util.ArrayList<>();
        commits.forEach(all::add);
        return all;
    }
}
