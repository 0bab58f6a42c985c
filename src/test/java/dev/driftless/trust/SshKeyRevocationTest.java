package dev.driftless.trust;

import static dev.driftless.trust.SignatureCheckTest.assertUntrusted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.SigningKeys.SshKey;
import dev.driftless.trust.GitOracle.TrustFiles;
import dev.driftless.trust.Verdict.Reason;
import dev.driftless.trust.Verdict.Untrusted;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A revoked SSH key (git's gpg.ssh.revocationFile: public keys one a line, or a KRL made by ssh-keygen -k) signs
 * nothing any more; every verdict is compared with git verify-commit given the same allowed_signers and
 * revocation file.
 */
class SshKeyRevocationTest {

    @RegisterExtension
    final GitOracle git = new GitOracle();

    @Test
    void aListedKeyIsRevokedWithItsLineAndTheOtherKeysStayTrusted() throws IOException {
        SshKey alice = git.keys().sshKey("alice@example.org");
        SshKey bob = git.keys().sshKey("bob@example.org");
        Path allowed = git.file("allowed_signers", alice.allowedSignersLine("") + "\n" + bob.allowedSignersLine(""));
        Path revoked = git.file("revoked", "# alice's laptop was stolen\n" + alice.publicKey());
        String byAlice = git.commitSignedBy(alice, "signed by alice");
        String byBob = git.commitSignedBy(bob, "signed by bob");

        Verdict aliceVerdict = git.verdict(byAlice, TrustFiles.ssh(allowed, revoked));
        Verdict bobVerdict = git.verdict(byBob, TrustFiles.ssh(allowed, revoked));

        assertUntrusted(aliceVerdict, Reason.REVOKED_KEY);
        assertThat((Untrusted) aliceVerdict).satisfies(u -> {
            assertThat(u.signer()).contains("alice@example.org");
            assertThat(u.detail()).contains(revoked + ":2 lists it");
        });
        assertThat(bobVerdict.trusted()).as("%s", bobVerdict).isTrue();
    }

    @Test
    void aChangedCommitByARevokedKeyIsABadSignatureAsGitChecksTheSignatureFirst() throws IOException {
        SshKey alice = git.keys().sshKey("alice@example.org");
        Path allowed = git.file("allowed_signers", alice.allowedSignersLine(""));
        Path revoked = git.file("revoked", alice.publicKey());
        String tampered = git.keys().tamperedCopy(git.repo(), git.commitSignedBy(alice, "signed by alice"));

        assertUntrusted(git.verdict(tampered, TrustFiles.ssh(allowed, revoked)), Reason.BAD_SIGNATURE);
    }

    @Test
    void aRevokedAuthorityRevokesItsCertificatesAndARevokedKeyOrCertificateRevokesTheKey() throws IOException {
        SshKey authority = git.keys().sshKey("ca");
        SshKey otherAuthority = git.keys().sshKey("other-ca");
        Path allowed = git.file("allowed_signers", "*@example.org "
                + authority.allowedSignersLine("cert-authority").substring("ca ".length()) + "\n*@example.org "
                + otherAuthority.allowedSignersLine("cert-authority").substring("other-ca ".length()));
        SshKey alice = git.keys().sshCertificate(authority, "alice@example.org");
        SshKey bob = git.keys().sshCertificate(otherAuthority, "bob@example.org");
        SshKey carol = git.keys().sshCertificate(otherAuthority, "carol@example.org");
        String byAlice = git.commitSignedBy(alice, "by alice's certificate");
        String byBob = git.commitSignedBy(bob, "by bob's certificate");
        String byCarol = git.commitSignedBy(carol, "by carol's certificate");
        // the authority, bob's plain key (not his certificate) and carol's certificate itself
        Path revoked = git.file("revoked", authority.publicKey() + "\n"
                + Files.readString(Path.of(bob.privateKey() + ".pub")).strip() + "\n" + carol.publicKey());
        Path none = git.file("revoked-none", "# nothing revoked yet");

        Verdict aliceVerdict = git.verdict(byAlice, TrustFiles.ssh(allowed, revoked));

        assertUntrusted(aliceVerdict, Reason.REVOKED_KEY);
        assertThat(((Untrusted) aliceVerdict).detail()).contains("its certificate authority", revoked + ":1");
        assertUntrusted(git.verdict(byBob, TrustFiles.ssh(allowed, revoked)), Reason.REVOKED_KEY);
        assertUntrusted(git.verdict(byCarol, TrustFiles.ssh(allowed, revoked)), Reason.REVOKED_KEY);
        assertThat(git.verdict(byAlice, TrustFiles.ssh(allowed, none)).trusted()).isTrue();
    }

    @Test
    void aKeyRevocationListMadeBySshKeygenRevokesKeysAndCertificatesByKeyId() throws IOException {
        SshKey alice = git.keys().sshKey("alice@example.org");
        SshKey bob = git.keys().sshKey("bob@example.org");
        SshKey authority = git.keys().sshKey("ca");
        Path allowed = git.file("allowed_signers", alice.allowedSignersLine("") + "\n" + bob.allowedSignersLine("")
                + "\n*@example.org " + authority.allowedSignersLine("cert-authority").substring("ca ".length()));
        SshKey carol = git.keys().sshCertificate(authority, "carol@example.org");
        SshKey dave = git.keys().sshCertificate(authority, "dave@example.org");
        String byAlice = git.commitSignedBy(alice, "signed by alice");
        String byBob = git.commitSignedBy(bob, "signed by bob");
        String byCarol = git.commitSignedBy(carol, "by carol's certificate");
        String byDave = git.commitSignedBy(dave, "by dave's certificate");
        Path aliceRevoked = git.keys().revocationList(alice);
        Path carolRevoked = git.keys().revocationListOfCertificates(authority, "carol@example.org");

        Verdict aliceVerdict = git.verdict(byAlice, TrustFiles.ssh(allowed, aliceRevoked));

        assertUntrusted(aliceVerdict, Reason.REVOKED_KEY);
        assertThat(((Untrusted) aliceVerdict).detail()).contains("the key revocation list " + aliceRevoked);
        assertThat(git.verdict(byBob, TrustFiles.ssh(allowed, aliceRevoked)).trusted()).isTrue();
        assertUntrusted(git.verdict(byCarol, TrustFiles.ssh(allowed, carolRevoked)), Reason.REVOKED_KEY);
        assertThat(git.verdict(byDave, TrustFiles.ssh(allowed, carolRevoked)).trusted()).isTrue();
    }

    @Test
    void aKeyRevocationListStaysInForceWhenTheCopyJGitReadsIsDeleted() throws IOException {
        SshKey alice = git.keys().sshKey("alice@example.org");
        Path allowed = git.file("allowed_signers", alice.allowedSignersLine(""));
        String commit = git.commitSignedBy(alice, "signed by alice");
        TrustSettings settings = TrustSettings.load(Optional.of(allowed), Optional.of(git.keys().revocationList(alice)),
                List.of());
        SignatureCheck check = new SignatureCheck(settings, Clock.systemUTC());

        // a cleaner of the temporary folder; JGit would take the missing file for "nothing revoked"
        Files.delete(settings.revokedSshKeys().orElseThrow().jgitCopy().orElseThrow());
        Verdict verdict;
        try (Repository repository = new FileRepositoryBuilder().setGitDir(git.repo().resolve(".git").toFile())
                .build()) {
            verdict = check.commit(repository, ObjectId.fromString(commit));
        }

        assertUntrusted(verdict, Reason.REVOKED_KEY);
    }
}
