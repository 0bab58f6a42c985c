package dev.driftless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code driftless agent --once}, run as cron would, through the real command line: its exit code (0 up to
 * date or applied, 1 failed, 2 drift on an alert service) and the line that says what it did.
 */
class AgentOnceTest {

    @TempDir
    Path tmp;

    TestRepo repo;

    @BeforeEach
    void setUp() {
        repo = TestRepo.init(tmp.resolve("repo"));
    }

    private Cli.Result once() {
        return Cli.run("agent", "--once", "--repo", "file://" + repo.dir(), "--agent-id", "test-agent",
                "--state-dir", tmp.resolve("state").toString(), "--root", tmp.resolve("root").toString());
    }

    private static String shortId(String commit) {
        return commit.substring(0, 12);
    }

    @Test
    void aSecondRunWithNothingNewSaysUpToDateAndExitsZero() {
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/web/service.yaml", "hosts: [box]\nfiles:\n  - path: /etc/web.conf\n    content: \"v1\\n\"\n");
        String commit = repo.commit("web");
        assertThat(once().exitCode()).isZero();

        Cli.Result again = once();

        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.err()).as(again.toString())
                .contains("driftless agent --once: up to date at " + shortId(commit) + "\n");
    }

    @Test
    void aCommitOnTwoHostsIsAppliedOnBothAndSaysSo() {
        repo.write("driftless.yaml", "hosts:\n  a:\n    address: local\n  b:\n    address: local\n");
        repo.write("services/web/service.yaml", "hosts: [a, b]\nfiles:\n  - path: /etc/web.conf\n    content: \"v1\\n\"\n");
        String commit = repo.commit("web on a and b");

        Cli.Result result = once();

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.err()).as(result.toString())
                .contains("driftless agent --once: applied " + shortId(commit) + " on 2 hosts\n");
        assertThat(tmp.resolve("root/a/etc/web.conf")).hasContent("v1");
        assertThat(tmp.resolve("root/b/etc/web.conf")).hasContent("v1");
    }

    @Test
    void aFailingHandlerExitsOneAndTheNextRunSaysItFailedEarlierWithoutRunningItAgain() throws Exception {
        Path runs = tmp.resolve("runs");
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/web/service.yaml", """
                hosts: [box]
                files:
                  - path: /etc/web.conf
                    content: "v1\\n"
                    onChange: [reload]
                handlers:
                  reload: 'echo ran >> %s; exit 1'
                """.formatted(runs));
        String commit = repo.commit("web with a reload that fails");

        Cli.Result first = once();

        assertThat(first.exitCode()).as(first.toString()).isEqualTo(1);
        assertThat(first.err()).as(first.toString()).contains("driftless agent --once: commit " + shortId(commit)
                + " failed: box/web: handler reload failed (exit 1)");
        assertThat(Files.readAllLines(runs)).hasSize(1);

        Cli.Result second = once();

        assertThat(second.exitCode()).as(second.toString()).isEqualTo(1);
        assertThat(second.err()).as(second.toString()).contains("driftless agent --once: commit " + shortId(commit)
                + " failed earlier and is not tried again until a newer commit: box/web: handler reload failed");
        assertThat(Files.readAllLines(runs)).as("the handler did not run again").hasSize(1);
    }

    @Test
    void aHandEditOfAnAlertServiceExitsTwoNamingIt() throws Exception {
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/db/service.yaml", """
                hosts: [box]
                drift: alert
                files:
                  - path: /etc/db.conf
                    content: "shared_buffers 1GB\\n"
                """);
        repo.commit("db");
        assertThat(once().exitCode()).isZero();
        Path conf = tmp.resolve("root/etc/db.conf");
        Files.writeString(conf, "shared_buffers 8GB\n");

        Cli.Result result = once();

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err()).as(result.toString()).contains("drift on box/db (alert)");
        assertThat(conf).as("an alert service is not healed").hasContent("shared_buffers 8GB");
    }
}
