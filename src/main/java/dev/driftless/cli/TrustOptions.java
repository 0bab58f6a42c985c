package dev.driftless.cli;

import dev.driftless.trust.TrustSettings;
import dev.driftless.trust.TrustSettingsException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Which keys may sign the commits that reach the machines (docs/signed-commits.md). Off unless
 * {@code --verify-signatures} is given; trust files without it are refused, so that a typo never leaves the hosts
 * following unverified commits while the operator believes otherwise.
 */
final class TrustOptions {

    @Option(names = "--verify-signatures",
            description = "Only a commit with a good signature from a key in --allowed-signers or --trusted-pgp-keys"
                    + " is read and applied (a command exits 1 on any other, before a host is touched; the agent"
                    + " keeps the last trusted commit and notifies 'untrusted commit'). Who signed is said."
                    + " See docs/signed-commits.md.")
    boolean verify;

    @Option(names = "--allowed-signers", paramLabel = "FILE",
            description = "Trusted SSH keys in the allowed_signers format of git and ssh-keygen -Y verify"
                    + " (principals, namespaces=\"git\", valid-after, valid-before, cert-authority). Keep it outside"
                    + " the repository: whoever can change it can sign for the machines.")
    Path allowedSigners;

    @Option(names = "--revoked-ssh-keys", paramLabel = "FILE",
            description = "SSH keys that may no longer sign, as git's gpg.ssh.revocationFile: public keys one a line"
                    + " (a listed key also revokes its certificates, a listed CA every certificate it issued), or a"
                    + " KRL made by ssh-keygen -k. Read when the command or the agent starts.")
    Path revokedSshKeys;

    @Option(names = "--trusted-pgp-keys", paramLabel = "FILE", split = ",",
            description = "Trusted OpenPGP public keys (gpg --export [--armor] FINGERPRINT); repeat the option or"
                    + " separate files with commas. Keep them outside the repository. No GnuPG home is read.")
    List<Path> openPgpKeys = new ArrayList<>();

    /**
     * The trust settings when {@code --verify-signatures} is given, read and checked now; empty otherwise.
     *
     * @throws CommandLine.ParameterException naming the file and line of what cannot be used, or trust files given
     *     without {@code --verify-signatures}
     */
    Optional<TrustSettings> settings(CommandLine line) {
        if (!verify) {
            if (!files().isEmpty()) {
                String given = allowedSigners != null ? "--allowed-signers"
                        : revokedSshKeys != null ? "--revoked-ssh-keys" : "--trusted-pgp-keys";
                throw new CommandLine.ParameterException(line, given + " is given without --verify-signatures: add"
                        + " --verify-signatures to apply only commits signed by these keys (without it nothing is"
                        + " verified)");
            }
            return Optional.empty();
        }
        try {
            return Optional.of(TrustSettings.load(Optional.ofNullable(allowedSigners),
                    Optional.ofNullable(revokedSshKeys), openPgpKeys));
        } catch (TrustSettingsException e) {
            throw new CommandLine.ParameterException(line, e.getMessage());
        }
    }

    /** The trust files given: a local host of the repository must never manage them. */
    List<Path> files() {
        List<Path> files = new ArrayList<>(openPgpKeys);
        Optional.ofNullable(allowedSigners).ifPresent(files::add);
        Optional.ofNullable(revokedSshKeys).ifPresent(files::add);
        return files;
    }
}
