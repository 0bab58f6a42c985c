package dev.driftless.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

/** Age keys and SOPS files for tests, made with the real {@code driftless secrets} commands. */
public final class AgeKeys {

    private AgeKeys() {
    }

    /** Writes a new age identity to {@code keyFile} and returns its public key (its recipient). */
    public static String generate(Path keyFile) {
        Cli.Result keygen = Cli.run("secrets", "keygen", "-o", keyFile.toString());
        assertThat(keygen.exitCode()).as(keygen.toString()).isZero();
        return keygen.err().lines().filter(l -> l.startsWith("Public key: ")).findFirst().orElseThrow()
                .substring("Public key: ".length());
    }

    /** Encrypts {@code file} in place for {@code recipient}, as {@code driftless secrets encrypt --in-place}. */
    public static void encrypt(Path file, String recipient) {
        Cli.Result encrypt = Cli.run("secrets", "encrypt", "--in-place", "--age", recipient, file.toString());
        assertThat(encrypt.exitCode()).as(encrypt.toString()).isZero();
    }
}
