package dev.driftless.trust;

import dev.driftless.report.Word;
import java.util.Optional;

/** Whether a commit or tag may reach the machines, decided from its signature and the configured keys alone. */
public sealed interface Verdict permits Verdict.Trusted, Verdict.Untrusted {

    /**
     * A good signature from a configured key. The signer is the key's principals in allowed_signers (SSH) or
     * its first user ID (OpenPGP); the fingerprint is the key's ({@code SHA256:…} for SSH, 40 hex digits of
     * the primary key for OpenPGP).
     */
    record Trusted(String signer, String fingerprint, SignatureKind kind) implements Verdict {

        /** Who signed, as history, status and notifications show it: {@code alice@example.org (ssh SHA256:…)}. */
        public String summary() {
            return signer + " (" + kind.word() + " " + fingerprint + ")";
        }
    }

    /** Not to be applied: why, the signer when the key is configured, and a sentence naming the key and the file. */
    record Untrusted(Reason reason, Optional<String> signer, String detail) implements Verdict {

        @Override
        public String toString() {
            return reason.word() + ": " + detail;
        }
    }

    /** Why a signature is not trusted; the order is the order of the checks (first failing one wins). */
    enum Reason implements Word {
        /** No signature at all. */
        UNSIGNED,
        /** A signature that does not match the object (tampered) or cannot be read. */
        BAD_SIGNATURE,
        /**
         * Signed by a key that is in no trust file, or by an OpenPGP subkey that its primary key does not bind to
         * itself (a binding signature by the primary key, cross-certified by the subkey).
         */
        UNKNOWN_KEY,
        /** The key is listed, but not for git signatures (allowed_signers namespaces, an OpenPGP subkey's flags). */
        KEY_NOT_ALLOWED,
        /** The key has expired (OpenPGP), or the commit time is outside allowed_signers' valid-after/valid-before. */
        EXPIRED_KEY,
        /**
         * The trusted key material carries a revocation of the key (OpenPGP), or the revoked SSH keys file lists
         * the key, its certificate or its certificate authority.
         */
        REVOKED_KEY
    }

    default boolean trusted() {
        return this instanceof Trusted;
    }
}
