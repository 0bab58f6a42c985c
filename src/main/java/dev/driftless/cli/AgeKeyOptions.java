package dev.driftless.cli;

import dev.driftless.secrets.AgeKeyring;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Where the age identity that decrypts the repository's secrets comes from. */
final class AgeKeyOptions {

    @Option(names = "--age-key", paramLabel = "FILE",
            description = "An age identity file (AGE-SECRET-KEY-1...) that decrypts the repository's secrets, in"
                    + " addition to DRIFTLESS_AGE_KEY_FILE, SOPS_AGE_KEY, SOPS_AGE_KEY_FILE and"
                    + " ~/.config/sops/age/keys.txt. Only read when a secret is.")
    Path ageKey;

    AgeKeyring keyring() {
        return AgeKeyring.fromEnvironment(Optional.ofNullable(ageKey));
    }
}
