package dev.driftless.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.host.LocalHost;
import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files bootstrap installs under /etc/driftless, here under a folder standing for the machine's root. */
class AgentFilesTest {

    private static final String AGE = "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n";

    @TempDir
    Path tmp;

    private Credentials credentials(String token) throws Exception {
        return Credentials.read(Map.of(Credentials.Kind.AGE_KEY, Files.writeString(tmp.resolve("age"), AGE).toString(),
                Credentials.Kind.GIT_TOKEN, Files.writeString(tmp.resolve("token"), token).toString()),
                InputStream.nullInputStream());
    }

    private Credentials ageKeyOnly() throws Exception {
        return Credentials.read(Map.of(Credentials.Kind.AGE_KEY, Files.writeString(tmp.resolve("age"), AGE).toString()),
                InputStream.nullInputStream());
    }

    private static Bootstrap.Request request(String repo) {
        return new Bootstrap.Request(repo, Optional.of("main"), Optional.empty(), "box", Optional.empty());
    }

    @Test
    void installingTwiceChangesNothingTheSecondTimeAndEveryFileIsRootsAlone() throws Exception {
        AgentFiles files = new AgentFiles(new LocalHost("box", Optional.of(tmp.resolve("root"))));
        Credentials credentials = credentials("t0ken\n");

        List<Step> first = files.install(credentials, request("https://git.example.org/infra.git"));
        List<Step> second = files.install(credentials, request("https://git.example.org/infra.git"));

        assertThat(first).extracting(Step::line).containsExactly("created /etc/driftless (0755)",
                "installed /etc/driftless/age-key.txt (0600, root)", "installed /etc/driftless/git-token (0600, root)",
                "installed /etc/driftless/agent.yaml (0600, root)");
        assertThat(second).extracting(Step::line).containsExactly("unchanged /etc/driftless/age-key.txt",
                "unchanged /etc/driftless/git-token", "unchanged /etc/driftless/agent.yaml");
        for (String file : List.of("age-key.txt", "git-token", "agent.yaml")) {
            assertThat(Files.getAttribute(tmp.resolve("root/etc/driftless/" + file), "unix:mode")).isEqualTo(0100600);
        }
    }

    @Test
    void aRotatedTokenIsUpdatedAndNothingElse() throws Exception {
        AgentFiles files = new AgentFiles(new LocalHost("box", Optional.of(tmp.resolve("root"))));
        files.install(credentials("t0ken\n"), request("https://git.example.org/infra.git"));

        List<Step> rotated = files.install(credentials("r0tated\n"), request("https://git.example.org/infra.git"));

        assertThat(rotated).extracting(Step::line).containsExactly("unchanged /etc/driftless/age-key.txt",
                "updated /etc/driftless/git-token (0600, root)", "unchanged /etc/driftless/agent.yaml");
        assertThat(tmp.resolve("root/etc/driftless/git-token")).hasContent("r0tated");
    }

    @Test
    void theAgentRunsWithTheSettingsWritten() throws Exception {
        try (TestRepo repo = TestRepo.init(tmp.resolve("repo"))) {
            repo.write("driftless.yaml", "hosts:\n  box:\n    address: ssh://deploy@box.invalid\n")
                    .write("services/motd/service.yaml", "hosts: [box]\nfiles:\n  - path: /etc/motd\n    content: hi\n")
                    .commit("motd on main");
            AgentFiles files = new AgentFiles(new LocalHost("box", Optional.of(tmp.resolve("machine"))));
            // the age key is read only when a secret is: this machine need not have /etc/driftless/age-key.txt
            files.install(ageKeyOnly(), request("file://" + repo.dir()));
        }

        Cli.Result once = Cli.run("agent", "--config", tmp.resolve("machine/etc/driftless/agent.yaml").toString(),
                "--once", "--state-dir", tmp.resolve("state").toString(), "--root", tmp.resolve("root").toString());

        assertThat(once.exitCode()).as(once.toString()).isZero();
        assertThat(tmp.resolve("root/etc/motd")).hasContent("hi");
    }
}
