package dev.driftless.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.secrets.sops.AgeIdentities;
import dev.driftless.secrets.sops.Sops;
import dev.driftless.secrets.sops.SopsFormat;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DRIFTLESS_PGP_KEY_FILE gives the keyring a PGP key that opens sops files wrapped for it. */
class AgeKeyringPgpTest {

    @TempDir
    Path home;

    @Test
    void pgpKeyFileAloneDecryptsThePgpFixture() throws Exception {
        Path key = copy("pgp.asc");
        AgeKeyring keyring = new AgeKeyring(Optional.empty(),
                Map.of("DRIFTLESS_PGP_KEY_FILE", key.toString(), "HOME", home.toString()));

        AgeIdentities ids = keyring.identities();
        assertThat(ids.isEmpty()).isTrue();
        assertThat(ids.pgp().fingerprints()).containsExactly("35C1A64CD7FC0AB6EB66756B2445463C3234ECE1");
        Map<String, Object> tree = Sops.decrypt(Files.readAllBytes(copy("secret.pgp.yaml")), SopsFormat.YAML,
                "secret.pgp.yaml", ids).tree();
        assertThat(tree).containsEntry("stringData", Map.of("key", "value"));
    }

    @Test
    void missingPgpKeyFileIsNamed() {
        Path missing = home.resolve("nope.asc");
        AgeKeyring keyring = new AgeKeyring(Optional.empty(),
                Map.of("DRIFTLESS_PGP_KEY_FILE", missing.toString(), "HOME", home.toString()));

        assertThatThrownBy(keyring::identities).isInstanceOf(SecretException.class)
                .hasMessageContaining("DRIFTLESS_PGP_KEY_FILE names " + missing);
    }

    @Test
    void noKeyAtAllStillFails() {
        AgeKeyring keyring = new AgeKeyring(Optional.empty(), Map.of("HOME", home.toString()));

        assertThatThrownBy(keyring::identities).hasMessageContaining("no age key found");
    }

    private Path copy(String name) throws Exception {
        Path target = home.resolve(name);
        try (InputStream in = getClass().getResourceAsStream("/sops/" + name)) {
            Files.copy(in, target);
        }
        return target;
    }
}
