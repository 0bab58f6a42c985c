package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.source.RepoSource;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.testing.SshServer;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent fetches over ssh:// from a real OpenSSH server with a deploy key, and only from a known server. */
class AgentGitAuthTest {

    @TempDir
    Path tmp;

    SshServer server;
    Path deployKey;
    String url;
    HistoryStore history;

    @BeforeEach
    void setUp() throws Exception {
        deployKey = SshServer.keygen(tmp.resolve("deploy_key"));
        server = SshServer.start(tmp.resolve("sshd"), tmp.resolve("deploy_key.pub"));
        TestRepo repo = TestRepo.init(tmp.resolve("work"));
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/web/service.yaml", "hosts: [box]\nfiles:\n  - path: /etc/web.conf\n    content: \"over ssh\\n\"\n");
        repo.commit("first");
        Path bare = tmp.resolve("served/repo.git");
        Process clone = new ProcessBuilder("git", "clone", "-q", "--bare", repo.dir().toString(), bare.toString())
                .redirectErrorStream(true).start();
        assertThat(clone.waitFor()).isZero();
        url = "ssh://root@127.0.0.1:" + server.port() + bare;
        history = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(tmp.resolve("state")), "test-agent");
    }

    @AfterEach
    void tearDown() throws Exception {
        history.close();
        server.stop();
    }

    private Agent agent(RepoSource.GitAuth auth) {
        AgentSettings settings = AgentFixture.settings(url, Optional.empty(), tmp, Optional.empty(), auth);
        return new Agent(settings, history, new AgentMetrics(), e -> { }, Clock.systemUTC());
    }

    @Test
    void aDeployKeyAndKnownHostsFetchTheRepository() throws Exception {
        Path knownHosts = Files.writeString(tmp.resolve("git_known_hosts"), server.knownHostsLine() + "\n");
        Agent agent = agent(new RepoSource.GitAuth(Optional.empty(), Optional.of(deployKey), Optional.of(knownHosts)));
        agent.reconcileOnce("start");
        assertThat(agent.status().sourceError()).isEmpty();
        assertThat(tmp.resolve("root/etc/web.conf")).hasContent("over ssh");
    }

    @Test
    void aServerWhoseKeyIsNotKnownIsRefused() throws Exception {
        Path knownHosts = Files.writeString(tmp.resolve("git_known_hosts"), "");
        Agent agent = agent(new RepoSource.GitAuth(Optional.empty(), Optional.of(deployKey), Optional.of(knownHosts)));
        agent.reconcileOnce("start");
        assertThat(agent.status().source()).isEqualTo("unavailable");
        assertThat(tmp.resolve("root/etc/web.conf")).doesNotExist();
    }

    @Test
    void aKeyTheServerDoesNotKnowIsRefused() throws Exception {
        Path knownHosts = Files.writeString(tmp.resolve("git_known_hosts"), server.knownHostsLine() + "\n");
        Path other = SshServer.keygen(tmp.resolve("other_key"));
        Agent agent = agent(new RepoSource.GitAuth(Optional.empty(), Optional.of(other), Optional.of(knownHosts)));
        agent.reconcileOnce("start");
        assertThat(agent.status().source()).isEqualTo("unavailable");
        assertThat(agent.status().sourceError()).get().asString().containsIgnoringCase("auth");
    }
}
