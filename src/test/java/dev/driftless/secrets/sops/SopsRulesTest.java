package dev.driftless.secrets.sops;

import static dev.driftless.secrets.sops.Fixtures.ALICE;
import static dev.driftless.secrets.sops.Fixtures.identity;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.secrets.SecretException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The suffix and regex rules pick which values are encrypted, exactly as sops's shouldBeEncrypted does. */
class SopsRulesTest {

    private static Map<String, Object> secret() {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("apiVersion", "v1");
        tree.put("kind", "Secret");
        tree.put("metadata", new LinkedHashMap<>(Map.of("name", "db")));
        tree.put("data", new LinkedHashMap<>(Map.of("password", "cGFzcw==")));
        tree.put("stringData", new LinkedHashMap<>(Map.of("user", "admin", "port", 5432L)));
        tree.put("items", new java.util.ArrayList<>(List.of(new LinkedHashMap<>(Map.of("data", "nested")))));
        return tree;
    }

    @Test
    void encryptedRegexEncryptsOnlyMatchingKeys() throws SecretException {
        SopsRules rules = new SopsRules(List.of(ALICE.recipient()), "", "", "", "^(data|stringData)$", false);
        byte[] encrypted = Sops.encrypt(secret(), SopsFormat.YAML, rules);

        Map<String, Object> stored = Sops.parsePlain(encrypted, SopsFormat.YAML, "secret.yaml");
        assertThat(stored.get("apiVersion")).isEqualTo("v1");
        assertThat(stored.get("kind")).isEqualTo("Secret");
        assertThat(stored.get("metadata")).isEqualTo(Map.of("name", "db"));
        assertThat(((Map<?, ?>) stored.get("data")).get("password").toString()).startsWith("ENC[AES256_GCM,");
        assertThat(((Map<?, ?>) stored.get("stringData")).get("port").toString()).endsWith(",type:int]");
        // Any key on the path counts: items[0].data matches too.
        assertThat(stored.get("items").toString()).contains("ENC[AES256_GCM,");
        assertThat(new String(encrypted, StandardCharsets.UTF_8)).contains("  encrypted_regex: ^(data|stringData)$\n")
                .doesNotContain("unencrypted_suffix");

        SopsFile file = Sops.decrypt(encrypted, SopsFormat.YAML, "secret.yaml", identity(ALICE));
        assertThat(file.tree()).isEqualTo(secret());
        assertThat(file.rules().encryptedRegex()).isEqualTo("^(data|stringData)$");
    }

    @Test
    void defaultLeavesUnencryptedSuffixInTheClear() throws SecretException {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("password", "p");
        tree.put("host_unencrypted", "db.example");
        tree.put("conf_unencrypted", new LinkedHashMap<>(Map.of("inner", "also plain")));

        Map<String, Object> stored = Sops.parsePlain(Sops.encrypt(tree, SopsFormat.JSON,
                SopsRules.forRecipients(List.of(ALICE.recipient()))), SopsFormat.JSON, "x.json");

        assertThat(stored.get("password").toString()).startsWith("ENC[");
        assertThat(stored.get("host_unencrypted")).isEqualTo("db.example");
        assertThat(stored.get("conf_unencrypted")).isEqualTo(Map.of("inner", "also plain"));
    }

    @Test
    void encryptedSuffixAndUnencryptedRegex() throws SecretException {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("token_secret", "t");
        tree.put("name", "n");
        Map<String, Object> bySuffix = Sops.parsePlain(Sops.encrypt(tree, SopsFormat.YAML,
                new SopsRules(List.of(ALICE.recipient()), "", "_secret", "", "", false)), SopsFormat.YAML, "a.yaml");
        assertThat(bySuffix.get("token_secret").toString()).startsWith("ENC[");
        assertThat(bySuffix.get("name")).isEqualTo("n");

        Map<String, Object> byRegex = Sops.parsePlain(Sops.encrypt(tree, SopsFormat.YAML,
                new SopsRules(List.of(ALICE.recipient()), "", "", "^na", "", false)), SopsFormat.YAML, "a.yaml");
        assertThat(byRegex.get("token_secret").toString()).startsWith("ENC[");
        assertThat(byRegex.get("name")).isEqualTo("n");
    }

    @Test
    void macOnlyEncryptedLetsPlainValuesChange() throws SecretException {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("password", "p");
        tree.put("note_unencrypted", "before");
        SopsRules macOnly = new SopsRules(List.of(ALICE.recipient()), "_unencrypted", "", "", "", true);
        String text = new String(Sops.encrypt(tree, SopsFormat.YAML, macOnly), StandardCharsets.UTF_8);
        assertThat(text).contains("  mac_only_encrypted: true\n");

        String edited = text.replace("note_unencrypted: before", "note_unencrypted: after");
        SopsFile file = Sops.decrypt(edited.getBytes(StandardCharsets.UTF_8), SopsFormat.YAML, "a.yaml",
                identity(ALICE));
        assertThat(file.tree().get("note_unencrypted")).isEqualTo("after");
        assertThat(file.rules().macOnlyEncrypted()).isTrue();

        String full = new String(Sops.encrypt(tree, SopsFormat.YAML, SopsRules.forRecipients(List.of(
                ALICE.recipient()))), StandardCharsets.UTF_8).replace("note_unencrypted: before",
                "note_unencrypted: after");
        assertThatThrownBy(() -> Sops.decrypt(full.getBytes(StandardCharsets.UTF_8), SopsFormat.YAML, "a.yaml",
                identity(ALICE))).hasMessageContaining("MAC mismatch");
    }

    @Test
    void onlyOneRuleAtATime() {
        SopsRules two = new SopsRules(List.of(ALICE.recipient()), "_unencrypted", "", "", "^data$", false);
        assertThatThrownBy(() -> Sops.encrypt(secret(), SopsFormat.YAML, two)).hasMessageContaining("only one of");
    }

    @Test
    void noRuleMeansTheDefaultSuffix() throws SecretException {
        SopsRules none = new SopsRules(List.of(ALICE.recipient()), null, null, null, null, false);
        byte[] encrypted = Sops.encrypt(new LinkedHashMap<>(Map.of("a_unencrypted", "x")), SopsFormat.YAML, none);
        assertThat(new String(encrypted, StandardCharsets.UTF_8)).contains("a_unencrypted: x")
                .contains("unencrypted_suffix: _unencrypted");
    }

    @Test
    void commentRegexesAreRefusedAsUnsupported() throws SecretException {
        String text = new String(Sops.encrypt(new LinkedHashMap<>(Map.of("a", "b")), SopsFormat.YAML,
                SopsRules.forRecipients(List.of(ALICE.recipient()))), StandardCharsets.UTF_8)
                .replace("unencrypted_suffix: _unencrypted", "encrypted_comment_regex: sops:enc");

        assertThatThrownBy(() -> Sops.decrypt(text.getBytes(StandardCharsets.UTF_8), SopsFormat.YAML, "c.yaml",
                identity(ALICE)))
                .hasMessageContaining("c.yaml").hasMessageContaining("not support");
    }

    @Test
    void badRegexIsReported() {
        SopsRules bad = new SopsRules(List.of(ALICE.recipient()), "", "", "", "(unclosed", false);
        assertThatThrownBy(() -> Sops.encrypt(secret(), SopsFormat.YAML, bad))
                .hasMessageContaining("not a valid regular expression");
    }

    @Test
    void forRecipientsIsTheSopsDefault() {
        SopsRules rules = SopsRules.forRecipients(List.of(ALICE.recipient()));
        assertThat(rules.unencryptedSuffix()).isEqualTo("_unencrypted");
        assertThat(rules.encryptedRegex()).isEmpty();
        assertThat(rules.macOnlyEncrypted()).isFalse();
    }
}
