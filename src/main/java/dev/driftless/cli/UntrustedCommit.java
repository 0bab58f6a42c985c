package dev.driftless.cli;

import dev.driftless.engine.PlanPrinter;
import dev.driftless.trust.Verdict;

/**
 * The commit a command would read carries no good signature from a trusted key ({@code --verify-signatures}): the
 * command ends before it reads the commit's files, and {@link Failures} says why, in text and in JSON.
 */
final class UntrustedCommit extends RuntimeException {

    private final String revision;
    private final transient Verdict.Untrusted verdict;

    UntrustedCommit(String revision, Verdict.Untrusted verdict) {
        super("commit " + PlanPrinter.shortRevision(revision) + " is untrusted: " + verdict.reason().word()
                + verdict.signer().map(s -> " (signer " + s + ")").orElse("") + ": " + verdict.detail());
        this.revision = revision;
        this.verdict = verdict;
    }

    /** The full id of the commit refused. */
    String revision() {
        return revision;
    }

    Verdict.Untrusted verdict() {
        return verdict;
    }

    /** What to do about it, one sentence per reason. */
    String hint() {
        return switch (verdict.reason()) {
            case UNSIGNED -> "Sign it with a trusted key (a commit: git commit -S, or git commit --amend -S for the"
                    + " last one; in tag mode the tag: git tag -s) and push it again.";
            case BAD_SIGNATURE -> "The commit was changed after it was signed, or its signature cannot be read:"
                    + " fetch it from a source you trust, or sign it anew.";
            case UNKNOWN_KEY -> "If the key is one you trust, add it to --allowed-signers or --trusted-pgp-keys"
                    + " (docs/signed-commits.md#the-trust-files).";
            case KEY_NOT_ALLOWED -> "Allow the key to sign git commits and tags (an SSH key: namespaces=\"git\" in the"
                    + " line named above; an OpenPGP subkey: bound for signing), or sign with another trusted key.";
            case EXPIRED_KEY -> "Sign with a key that is valid now, or extend the key (gpg --quick-set-expire) and"
                    + " export it to the trust file again.";
            case REVOKED_KEY -> "Sign with a key that is not revoked.";
        };
    }
}
