package dev.driftless.trust;

import dev.driftless.trust.AllowedSigners.Entry;
import dev.driftless.trust.Verdict.Reason;
import dev.driftless.trust.Verdict.Trusted;
import dev.driftless.trust.Verdict.Untrusted;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.eclipse.jgit.lib.Config;
import org.eclipse.jgit.lib.GpgConfig;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.SignatureVerifier;
import org.eclipse.jgit.lib.SignatureVerifier.SignatureVerification;
import org.eclipse.jgit.lib.SignatureVerifier.TrustLevel;
import org.eclipse.jgit.signing.ssh.SshSignatureVerifierFactory;

/**
 * Decides whether a commit (or, in tag mode, an annotated tag) carries a good signature from a trusted key,
 * as {@code git verify-commit} / {@code git verify-tag} would with the same keys. SSH signatures are checked
 * by JGit against the allowed_signers file alone (at the committer's or tagger's time, as git does), and refused
 * when the key, or the authority of its certificate, is revoked;
 * OpenPGP signatures in-process by BouncyCastle against the configured keys (expiry at the time of the check,
 * as GnuPG does). Only the commit itself counts: the parents of a signed merge are not checked.
 */
public final class SignatureCheck {

    private static final String GIT_NAMESPACE = "git";
    private static final byte[] SSHSIG_MAGIC = "SSHSIG".getBytes(StandardCharsets.US_ASCII);

    private final TrustSettings settings;
    private final Clock clock;
    private final SignatureVerifier ssh = new SshSignatureVerifierFactory().create();
    private final GpgConfig sshConfig;

    public SignatureCheck(TrustSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        // a Config of our own: never the user's or the repository's git config, which a pusher may influence
        Config config = new Config();
        settings.allowedSigners().ifPresent(
                a -> config.setString("gpg", "ssh", "allowedSignersFile", a.jgitCopy().toString()));
        this.sshConfig = new GpgConfig(config);
    }

    /** The verdict on commit {@code id} of {@code repository}; an object that cannot be read is an IOException. */
    public Verdict commit(Repository repository, ObjectId id) throws IOException {
        Optional<SignedObject> signed = SignedObject.commit(repository, id);
        if (signed.isEmpty()) {
            return new Untrusted(Reason.UNSIGNED, Optional.empty(), "commit " + id.name() + " is not signed");
        }
        return verify(repository, signed.get());
    }

    /** The verdict on annotated tag {@code id} (the tag object, not the commit it points at). */
    public Verdict tag(Repository repository, ObjectId id) throws IOException {
        Optional<SignedObject> signed = SignedObject.tag(repository, id);
        if (signed.isEmpty()) {
            return new Untrusted(Reason.UNSIGNED, Optional.empty(), "tag object " + id.name() + " is not signed");
        }
        return verify(repository, signed.get());
    }

    private Verdict verify(Repository repository, SignedObject signed) throws IOException {
        if (SignedObject.isSsh(signed.signature())) {
            return verifySsh(repository, signed);
        }
        if (SignedObject.isOpenPgp(signed.signature())) {
            return settings.openPgpKeys().verify(signed.data(), signed.signature(), clock.instant());
        }
        return new Untrusted(Reason.BAD_SIGNATURE, Optional.empty(), signed.name()
                + " carries a signature that is neither SSH nor OpenPGP (X.509 signatures are not supported)");
    }

    private Verdict verifySsh(Repository repository, SignedObject signed) throws IOException {
        SignatureVerification result = ssh.verify(repository, sshConfig, signed.data(), signed.signature());
        String fingerprint = result.keyFingerprint();
        if (fingerprint == null) {
            return new Untrusted(Reason.BAD_SIGNATURE, Optional.empty(), "the SSH signature of " + signed.name()
                    + " cannot be read (" + result.message() + ")");
        }
        // a certificate is listed by its authority (a cert-authority line), a plain key by itself
        Optional<PublicKey> key = signingKey(signed.signature());
        Optional<String> authority = key.filter(OpenSshCertificate.class::isInstance)
                .map(k -> KeyUtils.getFingerPrint(((OpenSshCertificate) k).getCaPubKey()));
        String listed = authority.orElse(fingerprint);
        List<Entry> entries = settings.allowedSigners().map(a -> a.entriesFor(listed)).orElse(List.of()).stream()
                .filter(e -> e.certAuthority() == authority.isPresent()).toList();
        Optional<String> signer = entries.stream().findFirst().map(e -> String.join(",", e.principals()));
        // as ssh-keygen -Y verify: a good signature first, then revocation, then the allowed signers
        if (key.isPresent() && settings.revokedSshKeys().isPresent() && goodSignature(result)) {
            Optional<String> revocation = settings.revokedSshKeys().get().revocation(repository, key.get());
            if (revocation.isPresent()) {
                return new Untrusted(Reason.REVOKED_KEY, signer, signed.name() + " is signed by SSH key "
                        + fingerprint + ", which is revoked: " + revocation.get());
            }
        }
        if (result.verified() && result.trustLevel() == TrustLevel.FULL) {
            return new Trusted(result.keyUser(), fingerprint, SignatureKind.SSH);
        }
        String file = settings.allowedSigners().map(a -> a.file().toString()).orElse("");
        String notListed = file.isEmpty() ? "no allowed signers file is configured"
                : (authority.isPresent() ? "its certificate authority " + listed + " is not a cert-authority line in "
                : "the key is not in ") + file;
        if (entries.isEmpty()) {
            // JGit checks the signature before it looks the key up: "unknown" only when the signature was good
            Reason reason = result.trustLevel() == TrustLevel.UNKNOWN ? Reason.UNKNOWN_KEY : Reason.BAD_SIGNATURE;
            return new Untrusted(reason, Optional.empty(), signed.name() + " is signed by SSH key " + fingerprint
                    + (reason == Reason.UNKNOWN_KEY ? "; " : ", and the signature does not match it (changed after"
                    + " signing?); ") + notListed);
        }
        String where = file + ":" + entries.get(0).line();
        if (result.expired()) {
            return new Untrusted(Reason.EXPIRED_KEY, signer, signed.name() + " was made outside the valid-after/"
                    + "valid-before time of SSH key " + fingerprint + " (" + where + ")");
        }
        if (entries.stream().noneMatch(e -> e.allows(GIT_NAMESPACE))) {
            return new Untrusted(Reason.KEY_NOT_ALLOWED, signer, "SSH key " + fingerprint + " may not sign git"
                    + " commits and tags: its namespaces at " + where + " do not include \"git\"");
        }
        if (authority.isPresent() && result.trustLevel() == TrustLevel.UNKNOWN) {
            return new Untrusted(Reason.KEY_NOT_ALLOWED, signer, "the certificate of SSH key " + fingerprint
                    + " names no principal that " + where + " allows");
        }
        return new Untrusted(Reason.BAD_SIGNATURE, signer, "the SSH signature of " + signed.name() + " by "
                + fingerprint + " does not match it (changed after signing?)"
                + (result.message() == null ? "" : ": " + result.message()));
    }

    /**
     * Whether JGit found the signature itself good: it then either trusted it, found no principal for the key
     * (unknown) or found the time outside the key's validity (expired). JGit is never given the revocation file.
     */
    private static boolean goodSignature(SignatureVerification result) {
        return result.verified() || result.trustLevel() == TrustLevel.UNKNOWN || result.expired();
    }

    /** The key or certificate the SSH signature carries, when it can be read. */
    private static Optional<PublicKey> signingKey(byte[] armored) {
        String text = new String(armored, StandardCharsets.US_ASCII);
        String base64 = text.lines().filter(l -> !l.startsWith("-----")).map(String::strip)
                .collect(Collectors.joining());
        try {
            ByteArrayBuffer blob = new ByteArrayBuffer(Base64.getDecoder().decode(base64));
            byte[] magic = new byte[SSHSIG_MAGIC.length];
            blob.getRawBytes(magic);
            if (!Arrays.equals(magic, SSHSIG_MAGIC)) {
                return Optional.empty();
            }
            blob.getUInt(); // the version
            return Optional.of(blob.getPublicKey());
        } catch (SshException | RuntimeException e) {
            // JGit has already said why it cannot read this signature
            return Optional.empty();
        }
    }
}
