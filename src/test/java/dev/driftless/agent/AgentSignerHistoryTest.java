package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.store.HistoryStore;
import dev.driftless.store.Reconcile;
import dev.driftless.testing.Cli;
import dev.driftless.testing.PushedRepo;
import dev.driftless.testing.SigningKeys;
import dev.driftless.trust.TrustSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who signed the commit an agent applied, as its history keeps it: a commit signed by the real {@code git} with an
 * ssh-keygen key, pushed to a real git daemon, applied by an agent verifying signatures into its SQLite history, read
 * back by {@code driftless history} and by the same agent after a restart, before it fetches anything.
 */
class AgentSignerHistoryTest {

    @TempDir
    Path tmp;

    @Test
    void theHistoryKeepsWhoSignedTheAppliedCommitAndARestartedAgentStillShowsIt() throws Exception {
        try (AgentHistories histories = new AgentHistories(tmp.resolve("state"));
                SigningKeys keys = new SigningKeys(Files.createDirectories(tmp.resolve("keys")));
                PushedRepo repo = PushedRepo.create(tmp.resolve("git"))) {
            SigningKeys.SshKey alice = keys.sshKey("alice@example.org");
            TrustSettings trust = TrustSettings.load(Optional.of(Files.writeString(tmp.resolve("allowed_signers"),
                    alice.allowedSignersLine("") + "\n")), List.of());
            repo.write("driftless.yaml", "hosts:\n  a:\n    address: local\n");
            repo.write("services/web/service.yaml", "hosts: [a]\nfiles:\n  - { path: /etc/web.conf, content: v1 }\n");
            keys.commit(repo.work(), alice, "web v1");
            String v1 = repo.push();
            HistoryStore history = histories.open();
            Agent agent = new Agent(AgentFixture.settings(repo.url(), tmp), history, new AgentMetrics(), e -> { },
                    Clock.systemUTC());
            agent.verifySignatures(trust);

            agent.reconcileOnce("webhook");

            Reconcile applied = history.lastApplied().orElseThrow();
            assertThat(applied.commit()).isEqualTo(v1);
            assertThat(applied.signer()).startsWith("alice@example.org (ssh SHA256:");
            Cli.Result shown = Cli.run("history", "--state-dir", tmp.resolve("state").toString(), "--limit", "1");
            assertThat(shown.exitCode()).as(shown.err()).isZero();
            assertThat(shown.out()).contains("\n  signed by " + applied.signer() + "\n");

            Agent restarted = new Agent(AgentFixture.settings(repo.url(), tmp), histories.restart(history),
                    new AgentMetrics(), e -> { }, Clock.systemUTC());
            restarted.verifySignatures(trust);
            assertThat(restarted.status().commit(v1).flatMap(AgentStatus.Commit::signer)).as("read from the history")
                    .contains(applied.signer());
        }
    }
}
