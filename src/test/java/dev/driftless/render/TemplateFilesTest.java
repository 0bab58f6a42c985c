package dev.driftless.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a template may read: UTF-8 text from inside the repository, nothing else. */
class TemplateFilesTest {

    static final String OUTSIDE = "outside-the-repository-4e1f";

    @TempDir
    Path tmp;

    Path root;
    TestRepo repo;

    @BeforeEach
    void setUp() throws Exception {
        root = tmp.resolve("root");
        Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(tmp.resolve("outside/secret.txt"), OUTSIDE + "\n");
        repo = AppRepo.with("app-1").init(tmp.resolve("repo"));
        repo.write("services/app/app.peb", "name = {{ host.name }}\n");
        repo.commit("an app");
    }

    private Cli.Result run(String command, String... more) {
        return Cli.on(command, repo.dir(), root, more);
    }

    @Test
    void aTemplateThatIsNotUtf8IsRefusedNamingTheFile() {
        byte[] latin1 = "caf\u00e9 = {{ host.name }}\n".getBytes(StandardCharsets.ISO_8859_1);
        repo.write("services/app/app.peb", latin1);
        repo.commit("a Latin-1 template");

        Cli.Result plan = run("plan");

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(1);
        assertThat(plan.err()).contains("services/app/app.peb is not valid UTF-8 text; a template must be UTF-8"
                + " (use source: for binary files)").doesNotContain("\uFFFD");
        assertThat(root.resolve("etc/app/app.conf")).doesNotExist();
    }

    @Test
    void anIncludedTemplateThatIsNotUtf8IsRefusedNamingThatFile() {
        repo.write("services/app/app.peb", "{% include 'part.peb' %}\n");
        repo.write("services/app/part.peb", new byte[] {'o', 'k', ' ', (byte) 0xC3, (byte) 0x28, '\n'});
        repo.commit("a broken part");

        Cli.Result validate = Cli.run("validate", "--repo", repo.dir().toString());

        assertThat(validate.exitCode()).as(validate.toString()).isEqualTo(1);
        assertThat(validate.err()).contains("services/app/part.peb is not valid UTF-8 text");
    }

    @Test
    void anIncludeLeavingTheRepositoryIsRefusedInTheWorktreeAsInACommit() {
        repo.write("services/app/app.peb", "{% include '../../../outside/secret.txt' %}\n");

        Cli.Result worktree = run("plan", "--worktree");
        repo.commit("an include that leaves the repository");
        Cli.Result commit = run("plan");

        for (Cli.Result plan : new Cli.Result[] {worktree, commit}) {
            assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(1);
            assertThat(plan.out() + plan.err()).doesNotContain(OUTSIDE)
                    .contains("services/app/app.peb", "'../../../outside/secret.txt' is outside the repository");
        }
    }

    @Test
    void aSymlinkedFolderInTheWorktreeIsNeverFollowed() {
        repo.symlink("services/app/conf", tmp.resolve("outside").toString());
        repo.write("services/app/app.peb", "{% include 'conf/secret.txt' %}\n");
        repo.write("services/app/service.yaml", """
                hosts: [app-1]
                files:
                  - path: /etc/app/app.conf
                    template: app.peb
                  - path: /etc/app/copy
                    source: conf/secret.txt
                """);

        Cli.Result plan = run("plan", "--worktree");

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(1);
        assertThat(plan.out() + plan.err()).doesNotContain(OUTSIDE)
                .contains("services/app/conf/secret.txt is a symbolic link");
    }
}
