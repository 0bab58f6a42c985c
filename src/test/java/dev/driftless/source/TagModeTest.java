package dev.driftless.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.testing.GitDaemon;
import dev.driftless.testing.SigningKeys;
import dev.driftless.testing.SigningKeys.PgpKey;
import dev.driftless.testing.SigningKeys.SshKey;
import dev.driftless.trust.SignatureCheck;
import dev.driftless.trust.SignatureKind;
import dev.driftless.trust.TrustSettings;
import dev.driftless.trust.Verdict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tag mode ({@code --ref} a tag pattern): the commit read is the one the highest matching version names, in a local
 * repository and through the agent's shallow cache of a real {@code git daemon}; verifying it verifies the tag. Tags
 * are made by the real {@code git tag}, signed with keys made by ssh-keygen and gpg.
 */
class TagModeTest {

    @TempDir
    Path tmp;

    SigningKeys keys;
    Path work;
    Path served;
    GitDaemon daemon;
    String url;

    @BeforeEach
    void setUp() throws IOException {
        keys = new SigningKeys(Files.createDirectories(tmp.resolve("keys")));
        work = Files.createDirectories(tmp.resolve("work"));
        keys.git(work, "init", "-q", "-b", "main");
        Files.writeString(work.resolve("driftless.yaml"), "hosts:\n  h:\n    address: local\n");
        served = Files.createDirectories(tmp.resolve("served"));
        keys.git(served, "init", "-q", "--bare", "infra.git");
        daemon = GitDaemon.serve(served);
        url = daemon.url("infra.git");
    }

    @AfterEach
    void tearDown() {
        daemon.close();
        keys.close();
    }

    /** Pushes main and every tag to the served repository, deleting there the tags deleted here. */
    private void push() {
        keys.git(work, "push", "-q", "--force", "--prune", served.resolve("infra.git").toString(), "main",
                "refs/tags/*:refs/tags/*");
    }

    private String commit(String message) {
        return keys.unsignedCommit(work, message);
    }

    /** A commit tagged {@code tag} with an annotated, unsigned tag; returns the commit's id. */
    private String release(String tag) {
        String commit = commit("release " + tag);
        keys.unsignedTag(work, tag);
        return commit;
    }

    private RepoSource.Checkout local(String ref) {
        return new RepoSource(tmp.resolve("unused-cache")).open(request(work.toString(), ref));
    }

    /** What the agent does: a shallow fetch, then the cache opened without fetching. */
    private RepoSource.Checkout fetched(String ref) {
        RepoSource agentSource = new RepoSource(tmp.resolve("cache"), RepoSource.GitAuth.none(), true);
        agentSource.fetch(url, Optional.of(ref));
        return agentSource.openFetched(request(url, ref));
    }

    private static RepoSource.Request request(String repo, String ref) {
        return new RepoSource.Request(repo, Optional.of(ref), Optional.empty(), RepoSource.ReadFrom.COMMIT);
    }

    private Verdict verify(RepoSource.Checkout checkout, Optional<Path> allowedSigners, List<Path> pgpKeys) {
        return checkout.verify(new SignatureCheck(TrustSettings.load(allowedSigners, pgpKeys), Clock.systemUTC()));
    }

    private Path allowedSigners(SshKey key) throws IOException {
        return Files.writeString(tmp.resolve("allowed_signers"), key.allowedSignersLine("namespaces=\"git\"") + "\n");
    }

    @Test
    void theHighestVersionIsChosenThoughAnOlderVersionWasTaggedLater() {
        String v110 = release("v1.10");
        release("v1.9");
        keys.unsignedTag(work, "other-2.0");
        push();

        try (RepoSource.Checkout local = local("v*"); RepoSource.Checkout cached = fetched("v*")) {
            for (RepoSource.Checkout checkout : List.of(local, cached)) {
                assertThat(checkout.tree().revision()).isEqualTo(v110);
                assertThat(checkout.tag()).hasValueSatisfying(tag -> {
                    assertThat(tag.name()).isEqualTo("v1.10");
                    assertThat(tag.annotated()).isTrue();
                    assertThat(tag.objectId()).isEqualTo(keys.git(work, "rev-parse", "v1.10").output().strip())
                            .isNotEqualTo(v110);
                });
            }
        }
    }

    @Test
    void aPatternMayNameTheTagsFolderAndABranchNameIsNoPattern() {
        String v1 = commit("release 1");
        keys.git(work, "tag", "release-1");
        String head = commit("after the release");
        push();

        try (RepoSource.Checkout full = fetched("refs/tags/release-*"); RepoSource.Checkout branch = local("main")) {
            assertThat(full.tree().revision()).isEqualTo(v1);
            assertThat(full.tag()).map(TagInfo::annotated).contains(false);
            assertThat(branch.tree().revision()).isEqualTo(head);
            assertThat(branch.tag()).isEmpty();
        }
    }

    @Test
    void aPatternNoTagMatchesIsASourceErrorNamingThePatternTheRepositoryAndItsTags() {
        release("release-1");
        push();

        assertThatThrownBy(() -> fetched("v*")).isInstanceOf(SourceException.class)
                .hasMessageContaining("no tag matches --ref 'v*' in " + url + " (its tags: release-1)")
                .hasMessageContaining("push a tag that matches it");
        assertThatThrownBy(() -> local("v?")).isInstanceOf(SourceException.class)
                .hasMessageContaining("no tag matches --ref 'v?' in " + work);
    }

    @Test
    void aTagDeletedOnTheRemoteIsNoLongerChosenFromTheCache() {
        String v1 = release("v1.5");
        release("v2.0");
        push();
        try (RepoSource.Checkout checkout = fetched("v*")) {
            assertThat(checkout.tag()).map(TagInfo::name).contains("v2.0");
        }

        keys.git(work, "tag", "-d", "v2.0");
        push();

        try (RepoSource.Checkout checkout = fetched("v*")) {
            assertThat(checkout.tag()).map(TagInfo::name).contains("v1.5");
            assertThat(checkout.tree().revision()).isEqualTo(v1);
        }
    }

    @Test
    void aSignedTagIsVerifiedInsteadOfItsUnsignedCommitWithSshAndOpenPgpKeys() throws IOException {
        SshKey alice = keys.sshKey("alice@example.org");
        PgpKey bob = keys.pgpKey("Bob <bob@example.org>");
        Path allowed = allowedSigners(alice);
        String unsigned = commit("release 1.0");
        String sshTag = keys.signedTag(work, alice, "v1.0");
        push();

        try (RepoSource.Checkout checkout = fetched("v*")) {
            assertThat(verify(checkout, Optional.of(allowed), List.of())).isInstanceOfSatisfying(Verdict.Trusted.class,
                    t -> assertThat(t.summary()).startsWith("alice@example.org (ssh SHA256:"));
        }
        assertThat(keys.gitVerifies(work, "tag", sshTag, Optional.of(allowed), List.of()).exitCode()).isZero();
        assertThat(keys.gitVerifies(work, "commit", unsigned, Optional.of(allowed), List.of()).exitCode())
                .as("the commit itself is not signed").isNotZero();

        commit("release 1.1");
        String pgpTag = keys.signedTag(work, bob, "v1.1");
        push();

        try (RepoSource.Checkout checkout = fetched("v*")) {
            assertThat(checkout.tag()).map(TagInfo::objectId).contains(pgpTag);
            assertThat(verify(checkout, Optional.empty(), List.of(bob.publicKeyFile())))
                    .isInstanceOfSatisfying(Verdict.Trusted.class, t -> {
                        assertThat(t.kind()).isEqualTo(SignatureKind.OPENPGP);
                        assertThat(t.fingerprint()).isEqualTo(bob.fingerprint());
                    });
            assertThat(verify(checkout, Optional.of(allowed), List.of())).as("bob's key not trusted")
                    .isInstanceOfSatisfying(Verdict.Untrusted.class,
                            u -> assertThat(u.reason()).isEqualTo(Verdict.Reason.UNKNOWN_KEY));
        }
        assertThat(keys.gitVerifies(work, "tag", pgpTag, Optional.empty(), List.of(bob.publicKeyFile())).exitCode())
                .isZero();
    }

    @Test
    void aLightweightTagIsUnsignedSayingSoThoughItsCommitIsSigned() throws IOException {
        SshKey alice = keys.sshKey("alice@example.org");
        Path allowed = allowedSigners(alice);
        keys.commit(work, alice, "signed release");
        keys.git(work, "tag", "v3.0");
        String annotated = release("v2.0");
        push();

        try (RepoSource.Checkout lightweight = local("v3.*"); RepoSource.Checkout unsigned = fetched("v2*")) {
            assertThat(verify(lightweight, Optional.of(allowed), List.of()))
                    .isInstanceOfSatisfying(Verdict.Untrusted.class, u -> {
                        assertThat(u.reason()).isEqualTo(Verdict.Reason.UNSIGNED);
                        assertThat(u.detail()).contains("tag v3.0 is a lightweight tag", "git tag -s v3.0");
                    });
            assertThat(unsigned.tree().revision()).isEqualTo(annotated);
            assertThat(verify(unsigned, Optional.of(allowed), List.of()))
                    .isInstanceOfSatisfying(Verdict.Untrusted.class,
                            u -> assertThat(u.reason()).isEqualTo(Verdict.Reason.UNSIGNED));
        }
    }
}
