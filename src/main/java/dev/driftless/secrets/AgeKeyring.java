package dev.driftless.secrets;

import dev.driftless.secrets.sops.AgeIdentities;
import dev.driftless.secrets.sops.PgpKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The age private keys Driftless may use, found the way {@code sops} finds them: {@code --age-key FILE},
 * {@code DRIFTLESS_AGE_KEY_FILE}, {@code SOPS_AGE_KEY} (the keys themselves), {@code SOPS_AGE_KEY_FILE}
 * and {@code $XDG_CONFIG_HOME/sops/age/keys.txt} (default {@code ~/.config/sops/age/keys.txt}). Every
 * place that has keys contributes them. Read on first need only: a repository without secrets needs none.
 * {@code DRIFTLESS_PGP_KEY_FILE} may add an armored OpenPGP private key for sops files wrapped for PGP (sops reads
 * the gpg keyring instead, which Driftless does not).
 */
public final class AgeKeyring {

    private final Optional<Path> keyFile;
    private final Map<String, String> environment;
    private AgeIdentities identities;

    /** @param keyFile the {@code --age-key} option, if given */
    public AgeKeyring(Optional<Path> keyFile, Map<String, String> environment) {
        this.keyFile = keyFile;
        this.environment = Map.copyOf(environment);
    }

    /** A keyring built from this process's environment. */
    public static AgeKeyring fromEnvironment(Optional<Path> keyFile) {
        return new AgeKeyring(keyFile, System.getenv());
    }

    /** Every identity found; fails when none is, saying where it looked. */
    public synchronized AgeIdentities identities() throws SecretException {
        if (identities != null) {
            return identities;
        }
        AgeIdentities found = AgeIdentities.none();
        List<String> looked = new ArrayList<>();
        if (keyFile.isPresent()) {
            found = found.plus(readRequired(keyFile.get(), "--age-key"));
            looked.add("--age-key " + keyFile.get());
        }
        String fromEnv = environment.get("DRIFTLESS_AGE_KEY_FILE");
        if (fromEnv != null && !fromEnv.isBlank()) {
            found = found.plus(readRequired(Path.of(fromEnv), "DRIFTLESS_AGE_KEY_FILE"));
        }
        looked.add("DRIFTLESS_AGE_KEY_FILE");
        String keys = environment.get("SOPS_AGE_KEY");
        if (keys != null && !keys.isBlank()) {
            found = found.plus(AgeIdentities.parse(keys, "SOPS_AGE_KEY"));
        }
        looked.add("SOPS_AGE_KEY");
        String sopsFile = environment.get("SOPS_AGE_KEY_FILE");
        if (sopsFile != null && !sopsFile.isBlank()) {
            found = found.plus(readRequired(Path.of(sopsFile), "SOPS_AGE_KEY_FILE"));
        }
        looked.add("SOPS_AGE_KEY_FILE");
        Path standard = standardFile();
        if (Files.isRegularFile(standard)) {
            found = found.plus(read(standard, standard.toString()));
        }
        looked.add(standard.toString());
        String pgpFile = environment.get("DRIFTLESS_PGP_KEY_FILE");
        if (pgpFile != null && !pgpFile.isBlank()) {
            found = found.withPgp(readPgp(Path.of(pgpFile)));
        }
        if (found.isEmpty() && found.pgp().isEmpty()) {
            throw new SecretException("no age key found (looked in " + String.join(", ", looked) + "); give one with"
                    + " --age-key FILE or SOPS_AGE_KEY_FILE, or create one with 'driftless secrets keygen'");
        }
        identities = found;
        return found;
    }

    /**
     * The files keys may be read from (--age-key, the files the environment names, the standard file),
     * whether or not they exist: what a repository must never be able to manage on this machine.
     */
    public List<Path> files() {
        List<Path> files = new ArrayList<>();
        keyFile.ifPresent(files::add);
        for (String variable : List.of("DRIFTLESS_AGE_KEY_FILE", "SOPS_AGE_KEY_FILE", "DRIFTLESS_PGP_KEY_FILE")) {
            String value = environment.get(variable);
            if (value != null && !value.isBlank()) {
                files.add(Path.of(value));
            }
        }
        files.add(standardFile());
        return files;
    }

    /** {@code $XDG_CONFIG_HOME/sops/age/keys.txt}, where sops keeps a user's age keys. */
    public Path standardFile() {
        String config = environment.get("XDG_CONFIG_HOME");
        Path base = config != null && !config.isBlank() ? Path.of(config)
                : Path.of(environment.getOrDefault("HOME", System.getProperty("user.home")), ".config");
        return base.resolve("sops").resolve("age").resolve("keys.txt");
    }

    private static AgeIdentities readRequired(Path file, String origin) throws SecretException {
        if (!Files.isRegularFile(file)) {
            throw new SecretException(origin + " names " + file + ", which is not a readable file");
        }
        return read(file, origin + " " + file);
    }

    private static PgpKeys readPgp(Path file) throws SecretException {
        if (!Files.isRegularFile(file)) {
            throw new SecretException("DRIFTLESS_PGP_KEY_FILE names " + file + ", which is not a readable file");
        }
        try {
            return PgpKeys.parse(Files.readAllBytes(file), "DRIFTLESS_PGP_KEY_FILE " + file);
        } catch (IOException e) {
            throw new SecretException("cannot read the PGP key file " + file + ": " + e.getMessage());
        }
    }

    private static AgeIdentities read(Path file, String origin) throws SecretException {
        try {
            return AgeIdentities.parse(Files.readString(file, StandardCharsets.UTF_8), origin);
        } catch (IOException e) {
            throw new SecretException("cannot read the age key file " + file + ": " + e.getMessage());
        }
    }
}
