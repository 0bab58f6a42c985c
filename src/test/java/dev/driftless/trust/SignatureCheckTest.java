package dev.driftless.trust;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.SigningKeys;
import dev.driftless.testing.SigningKeys.PgpKey;
import dev.driftless.testing.SigningKeys.SshKey;
import dev.driftless.trust.Verdict.Reason;
import dev.driftless.trust.Verdict.Trusted;
import dev.driftless.trust.Verdict.Untrusted;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every verdict is compared with what the real {@code git verify-commit} / {@code verify-tag} decides with the
 * same keys (the allowed_signers file, a GnuPG home holding exactly the trusted OpenPGP keys): trusted iff git
 * exits 0. Keys are made by ssh-keygen and gpg, commits and tags by the real git.
 */
class SignatureCheckTest {

    @TempDir
    Path tmp;

    private SigningKeys keys;
    private Path repo;

    @BeforeEach
    void setUp() throws IOException {
        keys = new SigningKeys(Files.createDirectories(tmp.resolve("keys")));
        repo = Files.createDirectories(tmp.resolve("repo"));
        keys.git(repo, "init", "-q", "-b", "main");
    }

    @AfterEach
    void tearDown() {
        keys.close();
    }

    @Test
    void aCommitSignedByAnAllowedSshKeyIsTrustedAsItsPrincipal() throws IOException {
        SshKey alice = keys.sshKey("alice@example.org");
        Path allowed = allowedSigners(alice.allowedSignersLine("namespaces=\"git\""));
        String commit = keys.commit(repo, alice, "signed by alice");

        Verdict verdict = trustingSsh(commit, allowed);

        assertThat(verdict).isInstanceOfSatisfying(Trusted.class, t -> {
            assertThat(t.signer()).isEqualTo("alice@example.org");
            assertThat(t.fingerprint()).startsWith("SHA256:");
            assertThat(t.kind()).isEqualTo(SignatureKind.SSH);
        });
    }

    @Test
    void aCommitSignedByATrustedOpenPgpKeyIsTrustedAsItsUserId() throws IOException {
        PgpKey bob = keys.pgpKey("Bob <bob@example.org>");
        String commit = keys.commit(repo, bob, "signed by bob");

        Verdict verdict = trustingPgp(commit, bob);

        assertThat(verdict).isInstanceOfSatisfying(Trusted.class, t -> {
            assertThat(t.signer()).isEqualTo("Bob <bob@example.org>");
            assertThat(t.fingerprint()).isEqualTo(bob.fingerprint());
            assertThat(t.kind()).isEqualTo(SignatureKind.OPENPGP);
        });
    }

    @Test
    void anUnsignedCommitIsUntrusted() throws IOException {
        SshKey alice = keys.sshKey("alice@example.org");
        Path allowed = allowedSigners(alice.allowedSignersLine(""));
        String commit = keys.unsignedCommit(repo, "nobody signed this");

        assertUntrusted(trustingSsh(commit, allowed), Reason.UNSIGNED);
    }

    @Test
    void aKeyInNoTrustFileIsUnknownWithSshAndOpenPgp() throws IOException {
        SshKey alice = keys.sshKey("alice@example.org");
        SshKey mallory = keys.sshKey("mallory@example.org");
        PgpKey bob = keys.pgpKey("Bob <bob@example.org>");
        PgpKey eve = keys.pgpKey("Eve <eve@example.org>");
        Path allowed = allowedSigners(alice.allowedSignersLine(""));
        String sshCommit = keys.commit(repo, mallory, "signed by mallory");
        String pgpCommit = keys.commit(repo, eve, "signed by eve");

        Verdict ssh = trustingSsh(sshCommit, allowed);
        Verdict pgp = trustingPgp(pgpCommit, bob);

        assertUntrusted(ssh, Reason.UNKNOWN_KEY);
        assertUntrusted(pgp, Reason.UNKNOWN_KEY);
        assertThat(((Untrusted) ssh).detail()).contains(allowed.toString());
        assertThat(((Untrusted) pgp).signer()).isEmpty();
    }

    @Test
    void aCommitChangedAfterItWasSignedIsABadSignatureWithSshAndOpenPgp() throws IOException {
        SshKey alice = keys.sshKey("alice@example.org");
        PgpKey bob = keys.pgpKey("Bob <bob@example.org>");
        Path allowed = allowedSigners(alice.allowedSignersLine(""));
        String sshTampered = keys.tamperedCopy(repo, keys.commit(repo, alice, "signed by alice"));
        String pgpTampered = keys.tamperedCopy(repo, keys.commit(repo, bob, "signed by bob"));

        Verdict ssh = trustingSsh(sshTampered, allowed);
        Verdict pgp = trustingPgp(pgpTampered, bob);

        assertUntrusted(ssh, Reason.BAD_SIGNATURE);
        assertUntrusted(pgp, Reason.BAD_SIGNATURE);
        assertThat(((Untrusted) ssh).signer()).contains("alice@example.org");
        assertThat(((Untrusted) pgp).signer()).contains("Bob <bob@example.org>");
    }

    @Test
    void aCommitSignedByAnExpiredOpenPgpKeyIsUntrusted() throws IOException {
        PgpKey old = keys.expiredPgpKey("Old <old@example.org>");
        String commit = keys.commit(repo, old, "signed in 2020");

        assertUntrusted(trustingPgp(commit, old), Reason.EXPIRED_KEY);
    }

    @Test
    void aCommitSignedByARevokedOpenPgpKeyIsUntrusted() throws IOException {
        PgpKey carol = keys.pgpKey("Carol <carol@example.org>");
        String commit = keys.commit(repo, carol, "signed before the revocation");
        PgpKey revoked = keys.revoke(carol);

        Verdict before = trustingPgp(commit, carol);
        Verdict after = trustingPgp(commit, revoked);

        assertThat(before.trusted()).isTrue();
        assertUntrusted(after, Reason.REVOKED_KEY);
    }

    @Test
    void anSshKeyIsTrustedOnlyForCommitsMadeBetweenValidAfterAndValidBefore() throws IOException {
        SshKey alice = keys.sshKey("alice@example.org");
        String commit = keys.commit(repo, alice, "signed now");
        Path past = allowedSigners(alice.allowedSignersLine("valid-before=\"20200101\""));
        Path future = allowedSigners(alice.allowedSignersLine("valid-after=\"29990101\""));
        Path both = allowedSigners(alice.allowedSignersLine("namespaces=\"git\",valid-after=\"20200101\""));

        Verdict expired = trustingSsh(commit, past);
        Verdict early = trustingSsh(commit, future);
        Verdict inside = trustingSsh(commit, both);

        assertUntrusted(expired, Reason.EXPIRED_KEY);
        assertUntrusted(early, Reason.EXPIRED_KEY);
        assertThat(inside.trusted()).as("%s", inside).isTrue();
    }

    @Test
    void anSshKeyListedForAnotherNamespaceIsNotAllowed() throws IOException {
        SshKey alice = keys.sshKey("alice@example.org");
        Path allowed = allowedSigners(alice.allowedSignersLine("namespaces=\"file\""));
        String commit = keys.commit(repo, alice, "signed by alice");

        assertUntrusted(trustingSsh(commit, allowed), Reason.KEY_NOT_ALLOWED);
    }

    @Test
    void anSshCertificateIsTrustedWhenACertAuthorityLineAllowsOneOfItsPrincipals() throws IOException {
        SshKey authority = keys.sshKey("ca");
        SshKey otherAuthority = keys.sshKey("other-ca");
        Path allowed = allowedSigners(authority.allowedSignersLine("cert-authority,namespaces=\"git\"")
                .replaceFirst("^ca ", "*@example.org "));
        String good = keys.commit(repo, keys.sshCertificate(authority, "alice@example.org"), "by alice's certificate");
        String stranger = keys.commit(repo, keys.sshCertificate(authority, "eve@elsewhere.org"), "by eve's");
        String unlisted = keys.commit(repo, keys.sshCertificate(otherAuthority, "alice@example.org"), "other CA");

        Verdict goodVerdict = trustingSsh(good, allowed);

        assertThat(goodVerdict).isInstanceOfSatisfying(Trusted.class,
                t -> assertThat(t.signer()).isEqualTo("alice@example.org"));
        assertUntrusted(trustingSsh(stranger, allowed), Reason.KEY_NOT_ALLOWED);
        assertUntrusted(trustingSsh(unlisted, allowed), Reason.UNKNOWN_KEY);
    }

    @Test
    void aCommitSignedByAnOpenPgpSubkeyIsTrustedAsItsPrimaryKey() throws IOException {
        PgpKey dave = keys.pgpKeyWithSigningSubkey("Dave <dave@example.org>");
        String commit = keys.commit(repo, dave, "signed by dave's subkey");

        assertThat(trustingPgp(commit, dave)).isInstanceOfSatisfying(Trusted.class,
                t -> assertThat(t.fingerprint()).isEqualTo(dave.fingerprint()));
    }

    @Test
    void aSignedMergeOfAnUnsignedBranchIsTrustedForItsOwnSignature() throws IOException {
        SshKey alice = keys.sshKey("alice@example.org");
        Path allowed = allowedSigners(alice.allowedSignersLine(""));
        keys.commit(repo, alice, "base");
        keys.git(repo, "checkout", "-q", "-b", "feature");
        String unsigned = keys.unsignedCommit(repo, "unsigned work");
        keys.git(repo, "checkout", "-q", "main");
        keys.commit(repo, alice, "more on main");
        String merge = keys.signedMerge(repo, alice, "feature");

        Verdict mergeVerdict = trustingSsh(merge, allowed);
        Verdict parentVerdict = trustingSsh(unsigned, allowed);

        assertThat(mergeVerdict.trusted()).as("%s", mergeVerdict).isTrue();
        assertUntrusted(parentVerdict, Reason.UNSIGNED);
    }

    @Test
    void aSignedTagIsTrustedAndAnUnsignedOneIsNot() throws IOException {
        SshKey alice = keys.sshKey("alice@example.org");
        PgpKey bob = keys.pgpKey("Bob <bob@example.org>");
        Path allowed = allowedSigners(alice.allowedSignersLine(""));
        List<Path> pgp = List.of(bob.publicKeyFile());
        keys.unsignedCommit(repo, "release");
        String sshTag = keys.signedTag(repo, alice, "v1.0.0");
        String pgpTag = keys.signedTag(repo, bob, "v1.0.1");
        String plainTag = keys.unsignedTag(repo, "v1.0.2");

        Verdict ssh = checked("tag", sshTag, Optional.of(allowed), pgp);
        Verdict openPgp = checked("tag", pgpTag, Optional.of(allowed), pgp);
        Verdict plain = checked("tag", plainTag, Optional.of(allowed), pgp);

        assertThat(ssh).isInstanceOfSatisfying(Trusted.class, t -> assertThat(t.signer()).isEqualTo("alice@example.org"));
        assertThat(openPgp).isInstanceOfSatisfying(Trusted.class, t -> assertThat(t.fingerprint()).isEqualTo(bob.fingerprint()));
        assertUntrusted(plain, Reason.UNSIGNED);
    }

    @Test
    void editingAllowedSignersRevokesAKeyForTheNextCheck() throws IOException {
        SshKey alice = keys.sshKey("alice@example.org");
        SshKey bob = keys.sshKey("bob@example.org");
        Path allowed = allowedSigners(alice.allowedSignersLine("") + "\n" + bob.allowedSignersLine(""));
        String commit = keys.commit(repo, alice, "signed by alice");
        assertThat(trustingSsh(commit, allowed).trusted()).isTrue();

        // rotating or revoking a key is editing the file; the settings are read again
        Files.writeString(allowed, bob.allowedSignersLine("") + "\n");
        Verdict verdict = trustingSsh(commit, allowed);

        assertUntrusted(verdict, Reason.UNKNOWN_KEY);
    }

    private Path allowedSigners(String content) throws IOException {
        return Files.writeString(Files.createTempFile(tmp, "allowed_signers", ""), content + "\n");
    }

    private Verdict trustingSsh(String commit, Path allowedSigners) throws IOException {
        return checked("commit", commit, Optional.of(allowedSigners), List.of());
    }

    private Verdict trustingPgp(String commit, PgpKey trusted) throws IOException {
        return checked("commit", commit, Optional.empty(), List.of(trusted.publicKeyFile()));
    }

    /** Our verdict on {@code id}, after asserting that git decides the same with the same keys. */
    private Verdict checked(String kind, String id, Optional<Path> allowed, List<Path> pgp) throws IOException {
        return GitOracle.verdict(keys, repo, kind, id, new GitOracle.TrustFiles(allowed, Optional.empty(), pgp));
    }

    static void assertUntrusted(Verdict verdict, Reason reason) {
        assertThat(verdict).isInstanceOfSatisfying(Untrusted.class, u -> assertThat(u.reason()).as("%s", u)
                .isEqualTo(reason));
    }
}
