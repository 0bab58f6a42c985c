package dev.driftless.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.DebianRoot;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Units under {@code --root}, as for a folder built into an image: the unit file and drop-ins land under the root,
 * enablement is {@code systemctl --root} (the wants link), nothing is started. Needs no running systemd: a Debian
 * tree ({@link DebianRoot}) and a plain empty folder alike.
 */
class UnitsUnderRootTest {

    private static final String WANTS = "etc/systemd/system/multi-user.target.wants/app.service";

    @TempDir
    Path tmp;

    private TestRepo repo() {
        TestRepo repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  image:\n    address: local\n");
        repo.write("services/app/service.yaml", """
                hosts: [image]
                files:
                  - path: /etc/app/app.conf
                    content: "threads=2\\n"
                units:
                  - name: app.service
                    content: |
                      [Service]
                      ExecStartPre=/bin/sh -c 'touch %s'
                      ExecStart=/bin/sleep infinity
                      [Install]
                      WantedBy=multi-user.target
                    dropIns:
                      - name: limits.conf
                        content: |
                          [Service]
                          LimitNOFILE=4096
                    restartOn: [/etc/app/app.conf]
                """.formatted(tmp.resolve("started")));
        repo.commit("an app for the image");
        return repo;
    }

    private static Cli.Result run(String command, TestRepo repo, Path root) {
        return Cli.on(command, repo.dir(), root);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"a Debian tree", "an empty folder"})
    void aUnitIsWrittenAndEnabledUnderTheRootAndNothingIsStarted(String kind) throws Exception {
        try (DebianRoot debian = kind.startsWith("a Debian") ? DebianRoot.create() : null) {
            Path root = debian != null ? debian.dir() : Files.createDirectories(tmp.resolve("image"));
            TestRepo repo = repo();

            Cli.Result apply = run("apply", repo, root);

            assertThat(apply.exitCode()).as(apply.toString()).isZero();
            assertThat(apply.out()).contains("+ /etc/systemd/system/app.service (app)",
                    "+ /etc/systemd/system/app.service.d/limits.conf (app)", "+ unit app.service (app)")
                    .doesNotContain("handler");
            assertThat(root.resolve("etc/systemd/system/app.service")).content().contains("ExecStart=/bin/sleep infinity");
            assertThat(root.resolve("etc/systemd/system/app.service.d/limits.conf")).hasContent("[Service]\nLimitNOFILE=4096");
            assertThat(root.resolve(WANTS)).isSymbolicLink();
            assertThat(Files.readSymbolicLink(root.resolve(WANTS))).isEqualTo(Path.of("/etc/systemd/system/app.service"));
            assertThat(tmp.resolve("started")).as("nothing started").doesNotExist();

            Cli.Result again = run("apply", repo, root);
            assertThat(again.out()).contains("nothing to do");
            assertThat(run("check", repo, root).exitCode()).isZero();

            repo.write("services/app/service.yaml", Files.readString(repo.dir().resolve("services/app/service.yaml"))
                    .replace("threads=2", "threads=4"));
            repo.commit("a restartOn file changes: nothing runs under a root to restart");
            Cli.Result changed = run("apply", repo, root);
            assertThat(changed.exitCode()).as(changed.toString()).isZero();
            assertThat(changed.out()).contains("~ /etc/app/app.conf (app)").doesNotContain("restart");
            assertThat(tmp.resolve("started")).doesNotExist();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"a Debian tree", "an empty folder"})
    void aWantsLinkRemovedByHandIsDriftAndAUnitThatLeavesIsDisabledAndRemoved(String kind) throws Exception {
        try (DebianRoot debian = kind.startsWith("a Debian") ? DebianRoot.create() : null) {
            Path root = debian != null ? debian.dir() : Files.createDirectories(tmp.resolve("image"));
            TestRepo repo = repo();
            assertThat(run("apply", repo, root).exitCode()).isZero();
            Files.delete(root.resolve(WANTS));

            Cli.Result check = run("check", repo, root);

            assertThat(check.exitCode()).as(check.toString()).isEqualTo(2);
            assertThat(check.out()).contains("~ unit app.service (app)  # drift", "enable", "now: disabled")
                    .doesNotContain("start");
            assertThat(run("apply", repo, root).exitCode()).isZero();
            assertThat(root.resolve(WANTS)).isSymbolicLink();

            repo.delete("services/app/service.yaml");
            repo.commit("the app leaves the image");
            Cli.Result apply = run("apply", repo, root);

            assertThat(apply.exitCode()).as(apply.toString()).isZero();
            assertThat(apply.out()).contains("- unit app.service (app)", "- /etc/systemd/system/app.service (app)");
            assertThat(root.resolve("etc/systemd/system/app.service")).doesNotExist();
            assertThat(root.resolve("etc/systemd/system/app.service.d/limits.conf")).doesNotExist();
            assertThat(Files.exists(root.resolve(WANTS), java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
            assertThat(run("check", repo, root).exitCode()).isZero();
        }
    }
}
