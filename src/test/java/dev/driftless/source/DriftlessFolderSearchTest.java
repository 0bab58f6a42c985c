package dev.driftless.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.Processes;
import dev.driftless.testing.TestRepo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Run from a folder below driftless.yaml (services/web, as one does while editing), Driftless looks upwards
 * for it as git looks for .git, up to the top of the Git repository; when there is none, it names where it looked.
 */
class DriftlessFolderSearchTest {

    @TempDir
    Path tmp;

    TestRepo repo;
    Path root;

    @BeforeEach
    void setUp() {
        root = tmp.resolve("root");
        repo = TestRepo.init(tmp.resolve("repo"));
    }

    private void motd(String folder) {
        String base = folder.isEmpty() ? "" : folder + "/";
        repo.write(base + "driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write(base + "services/motd/service.yaml", """
                hosts: [box]
                files:
                  - path: /etc/motd
                    source: motd
                """);
        repo.write(base + "services/motd/motd", "from " + (folder.isEmpty() ? "the top" : folder) + "\n");
    }

    @Test
    void runInAServiceFolderWithoutRepoReadsTheWholeRepository() throws Exception {
        motd("");
        repo.commit("motd");

        // the real command in the folder one edits in, with --repo left to its default
        Process plan = Processes.start(Processes.driftless(repo.dir().resolve("services/motd"), "plan",
                "--root", root.toString()).redirectErrorStream(true));
        String out = new String(plan.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(plan.waitFor(120, TimeUnit.SECONDS)).isTrue();

        assertThat(plan.exitValue()).as(out).isEqualTo(2);
        assertThat(out).contains("+ /etc/motd (motd)", "+from the top", "Plan: 1 to add");
    }

    @Test
    void aRepoFolderBelowDriftlessYamlIsAppliedAsTheFolderAbove() {
        motd("infra");
        repo.commit("infra");

        Cli.Result apply = Cli.on("apply", repo.dir().resolve("infra/services/motd"), root);

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(root.resolve("etc/motd")).hasContent("from infra");
    }

    @Test
    void theNearestDriftlessYamlWins() {
        motd("");
        motd("lab");
        repo.commit("a repository inside a repository");

        Cli.Result apply = Cli.on("apply", repo.dir().resolve("lab/services"), root);

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(root.resolve("etc/motd")).hasContent("from lab");
    }

    @Test
    void aNewFolderNotYetCommittedIsSearchedFromToo() throws Exception {
        motd("");
        repo.commit("motd");
        Files.createDirectories(repo.dir().resolve("services/new-service"));

        Cli.Result plan = Cli.on("plan", repo.dir().resolve("services/new-service"), root);

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2);
        assertThat(plan.out()).contains("+from the top");
    }

    @Test
    void withoutDriftlessYamlTheErrorNamesEveryFolderLookedIn() throws Exception {
        repo.write("docs/notes/readme.txt", "no Driftless here\n").commit("notes");

        Cli.Result plan = Cli.on("plan", repo.dir().resolve("docs/notes"), root);

        assertThat(plan.exitCode()).isEqualTo(1);
        assertThat(plan.err()).as(plan.toString()).contains("Error: no driftless.yaml in " + repo.dir().resolve("docs/notes")
                + " or any folder above it up to the top of its Git repository in commit ", "(looked in "
                + repo.dir().resolve("docs/notes") + ", " + repo.dir().resolve("docs") + ", " + repo.dir() + ")",
                "give --repo DIR");
    }

    @Test
    void aDriftlessYamlOnDiskButNotCommittedIsNamedAsSuch() {
        repo.write("services/motd/motd", "x\n").commit("a file, but not the inventory");
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");

        Cli.Result plan = Cli.on("plan", repo.dir().resolve("services/motd"), root);

        assertThat(plan.exitCode()).isEqualTo(1);
        assertThat(plan.err()).as(plan.toString()).contains(repo.dir().resolve("driftless.yaml") + " is not committed:"
                + " commit it");
    }

    @Test
    void worktreeLooksForDriftlessYamlOnDisk() {
        repo.write("README.md", "first commit\n").commit("nothing yet");
        motd("");

        Cli.Result plan = Cli.on("plan", repo.dir().resolve("services/motd"), root, "--worktree");

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2);
        assertThat(plan.out()).contains("+from the top");
    }

    @Test
    void pathIsTakenAsGivenWithoutLookingUpwards() {
        motd("");
        repo.commit("motd");

        Cli.Result plan = Cli.on("plan", repo.dir(), root, "--path", "services");

        assertThat(plan.exitCode()).isEqualTo(1);
        assertThat(plan.err()).as(plan.toString()).contains("driftless.yaml").doesNotContain("+from the top");
    }
}
