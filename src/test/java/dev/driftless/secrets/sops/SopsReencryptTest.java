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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** Editing keeps unchanged ciphertexts (small diffs); updating keys changes who can read, nothing else. */
class SopsReencryptTest {

    private static final Pattern ENC_LINE = Pattern.compile("(\"?[A-Za-z_]+\"?[:=] ?\"?)(ENC\\[[^\\]]+\\])");

    @ParameterizedTest
    @EnumSource(value = SopsFormat.class, names = {"YAML", "JSON", "DOTENV"})
    void unchangedValuesKeepTheirCiphertext(SopsFormat format) throws SecretException {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("user", "admin");
        tree.put("password", "hunter2-old");
        tree.put("token", "t0ken");
        byte[] first = Sops.encrypt(tree, format, SopsRules.forRecipients(List.of(ALICE.recipient())));
        SopsFile file = Sops.decrypt(first, format, "app", identity(ALICE));

        Map<String, Object> edited = file.tree();
        edited.put("password", "hunter2-new");
        byte[] second = Sops.reencrypt(file, edited);

        Map<String, String> before = encByKey(first);
        Map<String, String> after = encByKey(second);
        assertThat(after.get("user")).isEqualTo(before.get("user"));
        assertThat(after.get("token")).isEqualTo(before.get("token"));
        assertThat(after.get("password")).isNotEqualTo(before.get("password"));
        assertThat(Sops.decrypt(second, format, "app", identity(ALICE)).tree()).isEqualTo(edited);
        // The data key is the same, so its wrapped copy is too.
        assertThat(ageEnc(second)).isEqualTo(ageEnc(first));
    }

    @Test
    void movedValueGetsANewCiphertext() throws SecretException {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("a", "same");
        tree.put("b", "other");
        byte[] first = Sops.encrypt(tree, SopsFormat.YAML, SopsRules.forRecipients(List.of(ALICE.recipient())));
        SopsFile file = Sops.decrypt(first, SopsFormat.YAML, "app.yaml", identity(ALICE));

        Map<String, Object> edited = new LinkedHashMap<>();
        edited.put("b", "same"); // the plaintext of a, under another path
        edited.put("a", "other");
        byte[] second = Sops.reencrypt(file, edited);

        assertThat(encByKey(second).get("b")).isNotEqualTo(encByKey(first).get("a"));
        assertThat(Sops.decrypt(second, SopsFormat.YAML, "app.yaml", identity(ALICE)).tree()).isEqualTo(edited);
    }

    @Test
    void reencryptKeepsKeyEntriesOfOtherTypes() throws SecretException {
        // A file for age and pgp: re-encrypting must not lock the pgp holder out.
        Map<String, Object> tree = new LinkedHashMap<>(Map.of("k", "v1"));
        String text = new String(Sops.encrypt(tree, SopsFormat.YAML, SopsRules.forRecipients(List.of(ALICE.recipient()))),
                StandardCharsets.UTF_8);
        String withPgp = text.replace("  pgp: []\n", "  pgp:\n    - created_at: \"2024-11-12T13:33:42Z\"\n"
                + "      enc: opaque\n      fp: 35C1A64CD7FC0AB6EB66756B2445463C3234ECE1\n");
        SopsFile file = Sops.decrypt(withPgp.getBytes(StandardCharsets.UTF_8), SopsFormat.YAML, "x.yaml",
                identity(ALICE));

        String again = new String(Sops.reencrypt(file, Map.of("k", "v2")), StandardCharsets.UTF_8);

        assertThat(again).contains("fp: 35C1A64CD7FC0AB6EB66756B2445463C3234ECE1").contains("enc: opaque");
        assertThat(Sops.decrypt(again.getBytes(StandardCharsets.UTF_8), SopsFormat.YAML, "x.yaml", identity(ALICE))
                .tree()).isEqualTo(Map.of("k", "v2"));
    }

    @Test
    void jsonIntegersStoredAsFloatsComeBackAsIntegers() throws SecretException {
        // sops 3.9 read every JSON number as a float64, so its files hold integers as type:float.
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("port", 5432.0);
        tree.put("ratio", 0.5);
        byte[] first = Sops.encrypt(tree, SopsFormat.JSON, SopsRules.forRecipients(List.of(ALICE.recipient())));
        assertThat(new String(first, StandardCharsets.UTF_8)).contains("type:float]\",\n\t\"ratio\"");

        SopsFile file = Sops.decrypt(first, SopsFormat.JSON, "db.json", identity(ALICE));
        assertThat(file.tree()).isEqualTo(Map.of("port", 5432L, "ratio", 0.5));
        assertThat(new String(file.plaintext(), StandardCharsets.UTF_8))
                .isEqualTo("{\n\t\"port\": 5432,\n\t\"ratio\": 0.5\n}\n");
        assertThat(encByKey(Sops.reencrypt(file, file.tree()))).isEqualTo(encByKey(first));
    }

    @ParameterizedTest
    @EnumSource(value = SopsFormat.class, names = {"YAML", "JSON", "DOTENV", "BINARY"})
    void updateKeysSwapsRecipients(SopsFormat format) throws SecretException {
        Map<String, Object> tree = new LinkedHashMap<>();
        if (format == SopsFormat.BINARY) {
            tree.put("data", "blob");
        } else {
            tree.put("password", "s3cret");
        }
        byte[] forAlice = Sops.encrypt(tree, format, SopsRules.forRecipients(List.of(ALICE.recipient())));
        SopsFile file = Sops.decrypt(forAlice, format, "f", identity(ALICE));

        byte[] forBob = Sops.updateKeys(file, forAlice, List.of(BOB.recipient()));

        SopsFile bobs = Sops.decrypt(forBob, format, "f", identity(BOB));
        assertThat(bobs.tree()).isEqualTo(tree);
        assertThat(bobs.ageRecipients()).containsExactly(BOB.recipient());
        assertThatThrownBy(() -> Sops.decrypt(forBob, format, "f", identity(ALICE)))
                .hasMessageContaining("no age recipient you hold a key for");
        // Values, lastmodified and MAC are untouched.
        assertThat(encByKey(forBob)).isEqualTo(encByKey(forAlice));
        assertThat(lineWith(forBob, "lastmodified")).isEqualTo(lineWith(forAlice, "lastmodified"));
    }

    @Test
    void updateKeysAddsARecipientAndKeepsTheExistingEntry() throws SecretException {
        byte[] forAlice = Sops.encrypt(new LinkedHashMap<>(Map.of("k", "v")), SopsFormat.YAML,
                SopsRules.forRecipients(List.of(ALICE.recipient())));
        SopsFile file = Sops.decrypt(forAlice, SopsFormat.YAML, "f.yaml", identity(ALICE));

        byte[] both = Sops.updateKeys(file, forAlice, List.of(ALICE.recipient(), BOB.recipient()));

        assertThat(Sops.decrypt(both, SopsFormat.YAML, "f.yaml", identity(ALICE)).tree()).isEqualTo(Map.of("k", "v"));
        assertThat(Sops.decrypt(both, SopsFormat.YAML, "f.yaml", identity(BOB)).tree()).isEqualTo(Map.of("k", "v"));
        assertThat(ageEnc(both).get(0)).isEqualTo(ageEnc(forAlice).get(0));
        assertThat(Sops.decrypt(both, SopsFormat.YAML, "f.yaml", identity(BOB)).ageRecipients())
                .containsExactly(ALICE.recipient(), BOB.recipient());
    }

    @Test
    void updateKeysOnTheFixtureKeepsItsRulesAndValues() throws SecretException {
        byte[] original = Fixtures.bytes("secret.age.yaml");
        SopsFile file = Sops.decrypt(original, SopsFormat.YAML, "secret.age.yaml", Fixtures.fixtureIdentity());

        byte[] forBob = Sops.updateKeys(file, original, List.of(BOB.recipient()));

        SopsFile bobs = Sops.decrypt(forBob, SopsFormat.YAML, "secret.age.yaml", identity(BOB));
        assertThat(bobs.tree()).isEqualTo(file.tree());
        assertThat(bobs.rules().encryptedRegex()).isEqualTo("^(data|stringData)$");
        assertThat(new String(forBob, StandardCharsets.UTF_8))
                .contains("mac: ENC[AES256_GCM,data:vmrF+VgW3o8z4h/DOStCUNudz68yHEC8")
                .contains("lastmodified: \"2024-11-12T13:33:42Z\"");
    }

    @Test
    void updateKeysRefusesContentOfAnotherFile() throws SecretException {
        byte[] one = Sops.encrypt(new LinkedHashMap<>(Map.of("k", "v")), SopsFormat.YAML,
                SopsRules.forRecipients(List.of(ALICE.recipient())));
        byte[] other = Sops.encrypt(new LinkedHashMap<>(Map.of("k", "v")), SopsFormat.YAML,
                SopsRules.forRecipients(List.of(ALICE.recipient())));
        SopsFile file = Sops.decrypt(one, SopsFormat.YAML, "one.yaml", identity(ALICE));

        assertThatThrownBy(() -> Sops.updateKeys(file, other, List.of(BOB.recipient())))
                .isInstanceOf(SecretException.class);
    }

    @Test
    void updateKeysNeedsARecipient() throws SecretException {
        byte[] one = Sops.encrypt(new LinkedHashMap<>(Map.of("k", "v")), SopsFormat.YAML,
                SopsRules.forRecipients(List.of(ALICE.recipient())));
        SopsFile file = Sops.decrypt(one, SopsFormat.YAML, "one.yaml", identity(ALICE));

        assertThatThrownBy(() -> Sops.updateKeys(file, one, List.of())).hasMessageContaining("no age recipient");
        assertThatThrownBy(() -> Sops.updateKeys(file, one, List.of("age1nope")))
                .hasMessageContaining("age1nope").hasMessageContaining("not a valid age recipient");
    }

    private static Map<String, String> encByKey(byte[] content) {
        Map<String, String> values = new LinkedHashMap<>();
        Matcher m = ENC_LINE.matcher(new String(content, StandardCharsets.UTF_8));
        while (m.find()) {
            String key = m.group(1).replaceAll("[\":= ]", "");
            if (!key.equals("mac") && !key.equals("sops_mac")) {
                values.put(key, m.group(2));
            }
        }
        return values;
    }

    private static List<String> ageEnc(byte[] content) {
        String text = new String(content, StandardCharsets.UTF_8).replace("\\n", "\n");
        List<String> blocks = new ArrayList<>();
        Matcher m = Pattern.compile("-----BEGIN AGE ENCRYPTED FILE-----[^-]+-----END").matcher(text);
        while (m.find()) {
            blocks.add(m.group().replaceAll("\\s", ""));
        }
        return blocks;
    }

    private static String lineWith(byte[] content, String marker) {
        return new String(content, StandardCharsets.UTF_8).lines().filter(l -> l.contains(marker)).findFirst()
                .orElseThrow();
    }
}
