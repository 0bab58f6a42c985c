package dev.driftless.trust;

import static dev.driftless.trust.SignatureCheckTest.assertUntrusted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.SigningKeys.PgpKey;
import dev.driftless.trust.GitOracle.TrustFiles;
import dev.driftless.trust.Verdict.Reason;
import dev.driftless.trust.Verdict.Untrusted;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A commit counts for a trusted OpenPGP key only while the key that signed is valid: a revocation certificate
 * appended to the key file revokes it, and a subkey counts only when the primary key bound it to itself and it is
 * neither revoked nor expired. Each verdict is compared with git verify-commit under a GnuPG home that imported
 * the same key file.
 */
class OpenPgpKeyValidityTest {

    @RegisterExtension
    final GitOracle git = new GitOracle();

    @Test
    void aRevocationCertificateAppendedToTheKeyFileRevokesTheKey() throws IOException {
        PgpKey carol = git.keys().pgpKey("Carol <carol@example.org>");
        String commit = git.commitSignedBy(carol, "signed before the revocation");
        Path appended = Files.writeString(git.file("carol.asc", Files.readString(carol.publicKeyFile())),
                Files.readString(git.keys().revocationCertificate(carol)), StandardOpenOption.APPEND);

        Verdict verdict = git.verdict(commit, TrustFiles.openPgp(appended));

        assertUntrusted(verdict, Reason.REVOKED_KEY);
        assertThat(((Untrusted) verdict).signer()).contains("Carol <carol@example.org>");
    }

    @Test
    void aRevokedSigningSubkeyNoLongerSignsForItsPrimaryKey() throws IOException {
        PgpKey dave = git.keys().pgpKeyWithSigningSubkey("Dave <dave@example.org>");
        String commit = git.commitSignedBy(dave, "signed by dave's subkey before its revocation");
        PgpKey revoked = git.keys().revokeSubkey(dave);

        Verdict before = git.verdict(commit, TrustFiles.openPgp(dave.publicKeyFile()));
        Verdict after = git.verdict(commit, TrustFiles.openPgp(revoked.publicKeyFile()));

        assertThat(before.trusted()).as("%s", before).isTrue();
        assertUntrusted(after, Reason.REVOKED_KEY);
        assertThat(((Untrusted) after).detail()).contains("subkey", dave.fingerprint());
    }

    @Test
    void anExpiredSigningSubkeyOfAPrimaryKeyThatNeverExpiresIsExpired() throws IOException {
        PgpKey erin = git.keys().pgpKeyWithExpiredSigningSubkey("Erin <erin@example.org>");
        String commit = git.commitSignedBy(erin, "signed in 2020 by erin's subkey");

        Verdict verdict = git.verdict(commit, TrustFiles.openPgp(erin.publicKeyFile()));

        assertUntrusted(verdict, Reason.EXPIRED_KEY);
        assertThat(((Untrusted) verdict).detail()).contains("subkey", "expired at 2020-01-02");
    }

    @Test
    void aSubkeyGraftedFromAnotherKeyOntoATrustedPrimaryKeyIsUnknown() throws IOException {
        PgpKey alice = git.keys().pgpKeyWithSigningSubkey("Alice <alice@example.org>");
        PgpKey mallory = git.keys().pgpKeyWithSigningSubkey("Mallory <mallory@example.org>");
        Path forged = git.keys().withSubkeyOf(alice, mallory);
        String commit = git.commitSignedBy(mallory, "signed by mallory's subkey");

        Verdict verdict = git.verdict(commit, TrustFiles.openPgp(forged));

        assertUntrusted(verdict, Reason.UNKNOWN_KEY);
        assertThat(((Untrusted) verdict).signer()).isEmpty();
        assertThat(((Untrusted) verdict).detail()).contains(alice.fingerprint(), "without a valid binding signature");
    }

    @Test
    void aSigningSubkeyWithoutTheSubkeysBackSignatureIsNotTrusted() throws IOException {
        PgpKey frank = git.keys().pgpKeyWithSigningSubkey("Frank <frank@example.org>");
        Path uncrossed = git.keys().withoutCrossCertification(frank);
        String commit = git.commitSignedBy(frank, "signed by frank's subkey");

        Verdict withBackSignature = git.verdict(commit, TrustFiles.openPgp(frank.publicKeyFile()));
        Verdict without = git.verdict(commit, TrustFiles.openPgp(uncrossed));

        assertThat(withBackSignature.trusted()).as("%s", withBackSignature).isTrue();
        assertUntrusted(without, Reason.UNKNOWN_KEY);
        assertThat(((Untrusted) without).detail()).contains("not cross-certified");
    }

    @Test
    void aSubkeyBoundForAuthenticationOnlyMayNotSign() throws IOException {
        PgpKey grace = git.keys().pgpKeyWithSigningSubkey("Grace <grace@example.org>");
        Path authenticationOnly = git.keys().boundForAuthenticationOnly(grace);
        String commit = git.commitSignedBy(grace, "signed by grace's subkey");

        Verdict verdict = git.verdict(commit, TrustFiles.openPgp(authenticationOnly));

        assertUntrusted(verdict, Reason.KEY_NOT_ALLOWED);
        assertThat(((Untrusted) verdict).detail()).contains("is not for signing");
    }
}
