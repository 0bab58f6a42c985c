package dev.driftless.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A repository that does not validate leaves no trace on any host: no file, no folder, not even the lock. */
class ValidateBeforeLockTest {

    @TempDir
    Path tmp;

    @Test
    void anApplyOfARepositoryThatDoesNotRenderTouchesNoHost() throws Exception {
        TestRepo repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  a:\n    address: local\n  b:\n    address: local\n");
        repo.write("services/web/service.yaml", """
                hosts: [a, b]
                files:
                  - path: /etc/web.conf
                    content: "v1\\n"
                """);
        repo.commit("v1");
        Path root = tmp.resolve("root");
        assertThat(Cli.on("apply", repo.dir(), root).exitCode()).isZero();

        // host a has v1 applied in full (its record alone would do for it); host b is new to the repository
        repo.write("driftless.yaml", "hosts:\n  a:\n    address: local\n  b:\n    address: local\n  c:\n    address: local\n");
        repo.write("services/web/service.yaml", """
                hosts: [a, b, c]
                files:
                  - path: /etc/web.conf
                    content: "v1\\n"
                  - path: /etc/app.conf
                    template: app.conf.peb
                """);
        repo.write("services/web/app.conf.peb", "port {{ undefined_port }}\n");
        repo.commit("a template that does not render");
        Cli.Result result = Cli.on("apply", repo.dir(), root, "--host", "c");
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).contains("services/web/app.conf.peb:1", "undefined_port");
        assertThat(root.resolve("c")).as("nothing of host c exists, not even its lock").doesNotExist();

        Cli.Result all = Cli.on("apply", repo.dir(), root);
        assertThat(all.exitCode()).as(all.toString()).isEqualTo(1);
        assertThat(root.resolve("c")).doesNotExist();
        try (Stream<Path> files = Files.walk(root)) {
            assertThat(files.filter(p -> p.getFileName().toString().equals("app.conf"))).isEmpty();
        }
    }
}
