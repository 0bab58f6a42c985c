package dev.driftless.trust;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Which keys may sign what reaches the machines: an allowed_signers file for SSH keys (with, optionally, a file of
 * revoked SSH keys) and OpenPGP public key files. They live outside the repository, so a pusher cannot add a key;
 * nothing else is trusted.
 */
public final class TrustSettings {

    private final Optional<AllowedSigners> allowedSigners;
    private final Optional<RevokedSshKeys> revokedSshKeys;
    private final OpenPgpKeys openPgpKeys;

    private TrustSettings(Optional<AllowedSigners> allowedSigners, Optional<RevokedSshKeys> revokedSshKeys,
            OpenPgpKeys openPgpKeys) {
        this.allowedSigners = allowedSigners;
        this.revokedSshKeys = revokedSshKeys;
        this.openPgpKeys = openPgpKeys;
    }

    /** The settings without a revoked SSH keys file. */
    public static TrustSettings load(Optional<Path> allowedSignersFile, List<Path> openPgpKeyFiles) {
        return load(allowedSignersFile, Optional.empty(), openPgpKeyFiles);
    }

    /**
     * Reads and checks the trust files; an unreadable or malformed one, or none naming a key, is a
     * {@link TrustSettingsException} that names the file and line.
     */
    public static TrustSettings load(Optional<Path> allowedSignersFile, Optional<Path> revokedSshKeysFile,
            List<Path> openPgpKeyFiles) {
        Optional<AllowedSigners> allowed = allowedSignersFile.map(AllowedSigners::load);
        Optional<RevokedSshKeys> revoked = revokedSshKeysFile.map(RevokedSshKeys::load);
        OpenPgpKeys keys = OpenPgpKeys.load(openPgpKeyFiles);
        if (allowed.map(a -> a.entries().isEmpty()).orElse(true) && keys.size() == 0) {
            throw new TrustSettingsException(allowedSignersFile.map(f -> f + ": lists no key, and no")
                    .orElse("no allowed signers file and no") + " OpenPGP key file is given, so no commit could be"
                    + " trusted; give an allowed_signers file (--allowed-signers) or OpenPGP public keys"
                    + " (--trusted-pgp-keys)");
        }
        return new TrustSettings(allowed, revoked, keys);
    }

    public Optional<AllowedSigners> allowedSigners() {
        return allowedSigners;
    }

    /** The SSH keys (and certificate authorities) that may no longer sign, when a file of them is given. */
    public Optional<RevokedSshKeys> revokedSshKeys() {
        return revokedSshKeys;
    }

    public OpenPgpKeys openPgpKeys() {
        return openPgpKeys;
    }
}
