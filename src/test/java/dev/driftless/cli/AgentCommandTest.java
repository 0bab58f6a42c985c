package dev.driftless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code driftless agent --once} and its settings from a --config file, through the real command line. */
class AgentCommandTest {

    @TempDir
    Path tmp;

    @Test
    void onceWithSettingsFromAConfigFileAppliesAndExits() throws Exception {
        TestRepo repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/web/service.yaml", "hosts: [box]\nfiles:\n  - path: /etc/web.conf\n    content: \"v1\\n\"\n");
        String commit = repo.commit("v1");
        Path config = Files.writeString(tmp.resolve("agent.yaml"), """
                repo: file://%s
                state-dir: %s
                root: %s
                drift-interval: 10m
                """.formatted(repo.dir(), tmp.resolve("state"), tmp.resolve("root")));

        Cli.Result once = Cli.run("agent", "--config", config.toString(), "--once");

        assertThat(once.exitCode()).as(once.toString()).isZero();
        assertThat(once.err()).contains("driftless agent --once: applied " + commit.substring(0, 12) + " on 1 host\n");
        assertThat(tmp.resolve("root/etc/web.conf")).hasContent("v1");
        assertThat(tmp.resolve("state/history.db")).exists();
        Cli.Result history = Cli.run("history", "--state-dir", tmp.resolve("state").toString());
        assertThat(history.out()).contains("apply", "\"v1\"", "box/web: applied");
    }

    @Test
    void aConfigFileWithAnUnknownSettingIsRefused() throws Exception {
        Path config = Files.writeString(tmp.resolve("agent.yaml"), "repo: file:///nowhere\ninterval-secs: 5\n");
        Cli.Result result = Cli.run("agent", "--config", config.toString(), "--once");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains(config + ":2: 'interval-secs' is not a setting of driftless agent");
    }

    @Test
    void aRepositoryIsRequired() {
        Cli.Result result = Cli.run("agent", "--once", "--state-dir", tmp.resolve("state").toString());
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("--repo");
    }
}
