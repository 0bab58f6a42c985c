package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.notify.Event;
import dev.driftless.store.HistoryQuery;
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
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Only trusted commits reach the machines (issue 15): with --verify-signatures the agent applies a commit only when it
 * carries a good signature from a configured key; any other is recorded and notified once, shown in status, applied
 * nowhere, and the hosts stay at (and are healed back to) the last trusted commit. Commits signed by the real git with
 * ssh-keygen and gpg keys, pushed to a real git daemon, fetched into the agent's shallow cache; SQLite history.
 */
class AgentSignedCommitsTest {

    @TempDir
    Path tmp;

    PushedRepo repo;
    SigningKeys keys;
    SigningKeys.SshKey alice;
    Path allowedSigners;
    AgentHistories histories;
    final List<Event> events = new CopyOnWriteArrayList<>();
    final List<String> settingsReadFrom = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        histories = new AgentHistories(tmp.resolve("state"));
        keys = new SigningKeys(Files.createDirectories(tmp.resolve("keys")));
        alice = keys.sshKey("alice@example.org");
        allowedSigners = Files.writeString(tmp.resolve("allowed_signers"),
                alice.allowedSignersLine("namespaces=\"git\"") + "\n");
        repo = PushedRepo.create(tmp.resolve("git"));
        repo.write("driftless.yaml", "hosts:\n  a:\n    address: local\n");
    }

    @AfterEach
    void tearDown() {
        histories.close();
        repo.close();
        keys.close();
    }

    /** Service web on host a, its file saying {@code version}, committed with {@code key} (unsigned when empty). */
    private String web(String version, Optional<SigningKeys.SigningKey> key) {
        repo.write("services/web/service.yaml", "hosts: [a]\nfiles:\n  - path: /etc/web.conf\n    content: \""
                + version + "\\n\"\n");
        if (key.isPresent()) {
            keys.commit(repo.work(), key.get(), "web " + version);
        } else {
            keys.unsignedCommit(repo.work(), "web " + version);
        }
        return repo.push();
    }

    private Agent agent(HistoryStore history, TrustSettings trust) {
        return agent(history, trust, Optional.empty());
    }

    private Agent agent(HistoryStore history, TrustSettings trust, Optional<String> ref) {
        Agent agent = new Agent(AgentFixture.settings(repo.url(), ref, tmp, Optional.empty(),
                dev.driftless.source.RepoSource.GitAuth.none()), history, new AgentMetrics(), events::add,
                Clock.systemUTC());
        agent.onCheckout(w -> settingsReadFrom.add(w.commit().id()));
        agent.verifySignatures(trust);
        return agent;
    }

    private TrustSettings sshTrust() {
        return TrustSettings.load(Optional.of(allowedSigners), List.of());
    }

    private Path webConf() {
        return tmp.resolve("root/etc/web.conf"); // one host: its files go right under --root
    }

    private List<Event> untrustedEvents() {
        return events.stream().filter(e -> e.kind() == Event.Kind.UNTRUSTED_COMMIT).toList();
    }

    private static List<Reconcile> untrustedIn(HistoryStore history) {
        return history.history(HistoryQuery.latest(50)).stream()
                .filter(r -> r.error() != null && r.error().startsWith("untrusted commit")).toList();
    }

    @Test
    void aCommitSignedByATrustedSshKeyIsAppliedAndItsSignerShown() throws Exception {
        Agent agent = agent(histories.open(), sshTrust());
        String v1 = web("v1", Optional.of(alice));

        agent.reconcileOnce("webhook");

        assertThat(webConf()).hasContent("v1");
        AgentStatus status = agent.status();
        assertThat(status.verifySignatures()).isTrue();
        assertThat(status.untrusted()).isEmpty();
        assertThat(status.appliedCommit()).contains(v1);
        assertThat(status.commit(v1).flatMap(AgentStatus.Commit::signer)).hasValueSatisfying(s -> assertThat(s)
                .startsWith("alice@example.org (ssh SHA256:"));
        assertThat(events).filteredOn(e -> e.kind() == Event.Kind.APPLIED).singleElement()
                .satisfies(e -> assertThat(e.signer()).startsWith("alice@example.org (ssh SHA256:"));
    }

    @Test
    void anUnsignedCommitIsAppliedNowhereSaidOnceAndTheHostStaysAtTheTrustedCommit() throws Exception {
        HistoryStore history = histories.open();
        Agent agent = agent(history, sshTrust());
        String v1 = web("v1", Optional.of(alice));
        agent.reconcileOnce("start");
        String v2 = web("v2", Optional.empty());

        agent.reconcileOnce("webhook");
        agent.reconcileOnce("interval");

        assertThat(webConf()).as("nothing of the unsigned commit applied").hasContent("v1");
        assertThat(untrustedEvents()).as("notified once").singleElement().satisfies(e -> {
            assertThat(e.commit()).isEqualTo(v2);
            assertThat(e.summary()).contains("untrusted commit " + v2.substring(0, 12) + " (unsigned)",
                    "the hosts stay at their commit");
        });
        assertThat(untrustedIn(history)).as("recorded once").singleElement().satisfies(r -> {
            assertThat(r.commit()).isEqualTo(v2);
            assertThat(r.result()).isEqualTo(Reconcile.Result.FAILED);
        });
        AgentStatus status = agent.status();
        assertThat(status.untrusted()).hasValueSatisfying(u -> {
            assertThat(u.commit()).isEqualTo(v2);
            assertThat(u.reason()).isEqualTo("unsigned");
        });
        assertThat(status.failedCommit()).contains(v2);
        assertThat(status.appliedCommit()).contains(v1);
        assertThat(settingsReadFrom).as("its notification settings never read").doesNotContain(v2);

        // drift is still checked, and healed, against the trusted commit the host has
        Files.writeString(webConf(), "by hand\n");
        agent.checkDriftOnce();
        assertThat(webConf()).hasContent("v1");

        String v3 = web("v3", Optional.of(alice));
        agent.reconcileOnce("webhook");
        assertThat(webConf()).hasContent("v3");
        assertThat(agent.status().untrusted()).isEmpty();
        assertThat(agent.status().failedCommit()).isEmpty();
        assertThat(agent.status().appliedCommit()).contains(v3);
    }

    @Test
    void aCommitSignedByAKeyNotInTheTrustFilesIsRefusedNamingTheKey() throws Exception {
        Agent agent = agent(histories.open(), sshTrust());
        web("v1", Optional.of(alice));
        agent.reconcileOnce("start");
        SigningKeys.SshKey mallory = keys.sshKey("mallory@example.org");
        String v2 = web("v2", Optional.of(mallory));

        agent.reconcileOnce("webhook");

        assertThat(webConf()).hasContent("v1");
        assertThat(agent.status().untrusted()).hasValueSatisfying(u -> {
            assertThat(u.commit()).isEqualTo(v2);
            assertThat(u.reason()).isEqualTo("unknown-key");
            assertThat(u.detail()).contains("SHA256:", allowedSigners.toString());
        });
    }

    @Test
    void aCommitSignedByATrustedOpenPgpKeyIsAppliedAndAnExpiredOneIsNot() throws Exception {
        SigningKeys.PgpKey bob = keys.pgpKey("Bob <bob@example.org>");
        SigningKeys.PgpKey old = keys.expiredPgpKey("Old <old@example.org>");
        Agent agent = agent(histories.open(), TrustSettings.load(Optional.empty(),
                List.of(bob.publicKeyFile(), old.publicKeyFile())));
        String v1 = web("v1", Optional.of(bob));
        agent.reconcileOnce("start");
        assertThat(webConf()).hasContent("v1");
        assertThat(agent.status().commit(v1).flatMap(AgentStatus.Commit::signer)).hasValueSatisfying(s -> assertThat(s)
                .startsWith("Bob <bob@example.org> (openpgp " + bob.fingerprint()));

        String v2 = web("v2", Optional.of(old));
        agent.reconcileOnce("webhook");

        assertThat(webConf()).hasContent("v1");
        assertThat(untrustedEvents()).singleElement().satisfies(e -> {
            assertThat(e.commit()).isEqualTo(v2);
            assertThat(e.summary()).contains("(expired-key, signed by Old <old@example.org>)");
            assertThat(e.signer()).isEqualTo("Old <old@example.org>");
        });
        // the key is named where the refusal is, never as the signer of the commit
        assertThat(agent.status().untrusted()).flatMap(AgentStatus.Untrusted::signer).contains("Old <old@example.org>");
        assertThat(agent.status().commit(v2)).hasValueSatisfying(c -> assertThat(c.signer()).isEmpty());
    }

    @Test
    void aForcePushBackToAnOlderSignedCommitIsRefusedAsARewindThoughItsSignatureIsGood() throws Exception {
        Agent agent = agent(histories.open(), sshTrust());
        String v1 = web("v1", Optional.of(alice));
        agent.reconcileOnce("start");
        web("v2", Optional.of(alice));
        agent.reconcileOnce("webhook");

        // the old commit still carries alice's good signature: verification alone would let it back on the host
        repo.forcePush(v1);
        agent.reconcileOnce("webhook");

        assertThat(webConf()).hasContent("v2");
        assertThat(untrustedEvents()).isEmpty();
        assertThat(events).filteredOn(e -> e.kind() == Event.Kind.REWIND_REFUSED).singleElement()
                .satisfies(e -> assertThat(e.commit()).isEqualTo(v1));
        assertThat(agent.status().hosts()).singleElement()
                .satisfies(h -> assertThat(h.rewindRefused()).map(AgentStatus.RewindRefused::commit).contains(v1));
    }

    @Test
    void inTagModeTheTagIsVerifiedAndAnUnsignedTagOfTheSameCommitIsRefused() throws Exception {
        Agent agent = agent(histories.open(), sshTrust(), Optional.of("v*"));
        String commit = web("v1", Optional.empty()); // the commit itself is not signed: the release tag is
        keys.signedTag(repo.work(), alice, "v1.0");
        keys.git(repo.work(), "push", "-q", "origin", "refs/tags/v1.0");
        agent.reconcileOnce("webhook");
        assertThat(webConf()).hasContent("v1");
        assertThat(agent.status().commit(commit).flatMap(AgentStatus.Commit::signer)).isPresent();

        keys.unsignedTag(repo.work(), "v1.1"); // a higher version, the same commit, no signature
        keys.git(repo.work(), "push", "-q", "origin", "refs/tags/v1.1");
        agent.reconcileOnce("webhook");

        assertThat(untrustedEvents()).singleElement().satisfies(e -> {
            assertThat(e.commit()).isEqualTo(commit);
            assertThat(e.summary()).contains("(unsigned)", "tag object");
        });
    }

    @Test
    void aRestartedAgentRemembersTheUntrustedCommitAndDoesNotSayItAgain() throws Exception {
        web("v1", Optional.of(alice));
        String v2;
        try (HistoryStore first = histories.open()) {
            Agent agent = agent(first, sshTrust());
            agent.reconcileOnce("start");
            v2 = web("v2", Optional.empty());
            agent.reconcileOnce("webhook");
        }
        events.clear();
        settingsReadFrom.clear();

        HistoryStore second = histories.open();
        Agent restarted = agent(second, sshTrust());
        assertThat(restarted.status().untrusted()).as("shown before the first fetch")
                .hasValueSatisfying(u -> assertThat(u.commit()).isEqualTo(v2));
        restarted.reconcileOnce("start");

        assertThat(untrustedEvents()).as("not notified again").isEmpty();
        assertThat(untrustedIn(second)).as("not recorded again").hasSize(1);
        assertThat(webConf()).hasContent("v1");
        assertThat(settingsReadFrom).as("the settings of the newest applied commit, not of the untrusted one")
                .isNotEmpty().doesNotContain(v2);
    }

    @Test
    void agentOnceExitsOneOnAnUntrustedCommitFromFlagsOrConfigFileAndTrustFilesWithoutVerifySignaturesAreRefused() throws Exception {
        String[] once = {"agent", "--once", "--repo", repo.url(), "--agent-id", "test-agent", "--state-dir",
                tmp.resolve("state").toString(), "--root", tmp.resolve("root").toString(), "--verify-signatures",
                "--allowed-signers", allowedSigners.toString()};
        web("v1", Optional.of(alice));
        assertThat(Cli.run(once).exitCode()).isZero();
        String v2 = web("v2", Optional.empty());

        Cli.Result refused = Cli.run(once);
        // the same settings from the agent's config file, as a packaged agent reads them
        Path config = Files.writeString(tmp.resolve("agent.yaml"), "repo: " + repo.url() + "\nagent-id: test-agent\n"
                + "state-dir: " + tmp.resolve("state") + "\nroot: " + tmp.resolve("root") + "\n"
                + "verify-signatures: true\nallowed-signers: " + allowedSigners + "\n");
        Cli.Result again = Cli.run("agent", "--once", "--config", config.toString());
        Cli.Result withoutVerify = Cli.run("agent", "--once", "--repo", repo.url(), "--state-dir",
                tmp.resolve("other").toString(), "--allowed-signers", allowedSigners.toString());

        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(1);
        assertThat(refused.err()).contains("driftless agent --once: untrusted commit " + v2.substring(0, 12)
                + " (unsigned)");
        assertThat(again.exitCode()).as(again.toString()).isEqualTo(1);
        assertThat(again.err()).contains("untrusted commit " + v2.substring(0, 12));
        assertThat(webConf()).hasContent("v1");
        assertThat(withoutVerify.exitCode()).isNotZero();
        assertThat(withoutVerify.err()).contains("--allowed-signers is given without --verify-signatures");
        assertThat(tmp.resolve("other")).doesNotExist();
    }
}
