package dev.driftless.secrets.sops;

import static dev.driftless.secrets.sops.Fixtures.ALICE;
import static dev.driftless.secrets.sops.Fixtures.BOB;
import static dev.driftless.secrets.sops.Fixtures.identity;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.secrets.SecretException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sops metadata block: the layout sops 3.9 writes, and the key layouts it reads. */
class SopsMetadataTest {

    private static byte[] encryptFor(SopsFormat format, String... recipients) throws SecretException {
        return Sops.encrypt(new LinkedHashMap<>(Map.of("k", "v")), format, SopsRules.forRecipients(List.of(recipients)));
    }

    @Test
    void yamlMetadataHasTheKeysSopsWrites() throws SecretException {
        String text = new String(encryptFor(SopsFormat.YAML, ALICE.recipient()), StandardCharsets.UTF_8);
        assertThat(text).containsSubsequence("sops:\n", "  kms: []\n", "  gcp_kms: []\n", "  azure_kv: []\n",
                "  hc_vault: []\n", "  age:\n", "    - recipient: " + ALICE.recipient() + "\n",
                "      enc: |\n", "        -----BEGIN AGE ENCRYPTED FILE-----\n",
                "        -----END AGE ENCRYPTED FILE-----\n", "  lastmodified: \"", "  mac: ENC[AES256_GCM,data:",
                "  pgp: []\n", "  unencrypted_suffix: _unencrypted\n", "  version: 3.9.0\n");
    }

    @Test
    void jsonMetadataWritesEmptyKeyListsAsNull() throws SecretException {
        String text = new String(encryptFor(SopsFormat.JSON, ALICE.recipient()), StandardCharsets.UTF_8);
        assertThat(text).containsSubsequence("\t\"sops\": {\n", "\t\t\"kms\": null,\n", "\t\t\"age\": [\n",
                "\t\t\t\t\"recipient\": \"" + ALICE.recipient() + "\",\n", "\t\t\"pgp\": null,\n",
                "\t\t\"version\": \"3.9.0\"\n");
    }

    @Test
    void dotenvMetadataIsFlattenedAndSorted() throws SecretException {
        String text = new String(encryptFor(SopsFormat.DOTENV, ALICE.recipient(), BOB.recipient()),
                StandardCharsets.UTF_8);
        List<String> keys = text.lines().map(l -> l.substring(0, l.indexOf('='))).toList();
        assertThat(keys).containsExactly("k", "sops_age__list_0__map_enc", "sops_age__list_0__map_recipient",
                "sops_age__list_1__map_enc", "sops_age__list_1__map_recipient", "sops_lastmodified", "sops_mac",
                "sops_unencrypted_suffix", "sops_version");
        assertThat(text).contains("sops_age__list_0__map_enc=-----BEGIN AGE ENCRYPTED FILE-----\\n");
        assertThat(Sops.decrypt(text.getBytes(StandardCharsets.UTF_8), SopsFormat.DOTENV, "a.env", identity(BOB))
                .ageRecipients()).containsExactly(ALICE.recipient(), BOB.recipient());
    }

    @Test
    void oneKeyGroupIsReadLikeFlatKeys() throws SecretException {
        Map<String, Object> file = YamlCodec.parse(new String(encryptFor(SopsFormat.YAML, ALICE.recipient()),
                StandardCharsets.UTF_8), "x");
        @SuppressWarnings("unchecked")
        Map<String, Object> sops = (Map<String, Object>) file.get("sops");
        Map<String, Object> group = new LinkedHashMap<>();
        group.put("age", sops.get("age"));
        sops.put("age", new ArrayList<>());
        sops.put("key_groups", new ArrayList<>(List.of(group)));
        byte[] grouped = YamlCodec.emit(file).getBytes(StandardCharsets.UTF_8);

        SopsFile decrypted = Sops.decrypt(grouped, SopsFormat.YAML, "grouped.yaml", identity(ALICE));
        assertThat(decrypted.tree()).isEqualTo(Map.of("k", "v"));
        assertThat(decrypted.ageRecipients()).containsExactly(ALICE.recipient());

        sops.put("key_groups", new ArrayList<>(List.of(group, group)));
        byte[] shamir = YamlCodec.emit(file).getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Sops.decrypt(shamir, SopsFormat.YAML, "shamir.yaml", identity(ALICE)))
                .hasMessageContaining("shamir.yaml").hasMessageContaining("2 key groups")
                .hasMessageContaining("not support");
    }

    @Test
    void missingLastModifiedIsReported() throws SecretException {
        String text = new String(encryptFor(SopsFormat.YAML, ALICE.recipient()), StandardCharsets.UTF_8)
                .replaceAll("  lastmodified: \"[^\"]+\"\n", "");
        assertThatThrownBy(() -> Sops.decrypt(text.getBytes(StandardCharsets.UTF_8), SopsFormat.YAML, "x.yaml",
                identity(ALICE))).hasMessageContaining("lastmodified");
    }

    @Test
    void keysTriedAreNamedWhenNoneFits() throws SecretException {
        byte[] file = encryptFor(SopsFormat.YAML, ALICE.recipient());
        AgeIdentities bob = AgeIdentities.parse(BOB.identity(), "SOPS_AGE_KEY_FILE /home/me/keys.txt");
        assertThatThrownBy(() -> Sops.decrypt(file, SopsFormat.YAML, "x.yaml", bob))
                .hasMessageContaining("x.yaml: no age recipient you hold a key for")
                .hasMessageContaining("encrypted for " + ALICE.recipient())
                .hasMessageContaining(BOB.recipient() + " from SOPS_AGE_KEY_FILE /home/me/keys.txt");
    }

    @Test
    void anyOfSeveralIdentitiesOpensTheFile() throws SecretException {
        byte[] file = encryptFor(SopsFormat.YAML, BOB.recipient());
        AgeIdentities both = identity(ALICE).plus(identity(BOB));
        assertThat(Sops.decrypt(file, SopsFormat.YAML, "x.yaml", both).tree()).isEqualTo(Map.of("k", "v"));
    }
}
