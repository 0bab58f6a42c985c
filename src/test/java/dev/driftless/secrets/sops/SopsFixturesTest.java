package dev.driftless.secrets.sops;

import static dev.driftless.secrets.sops.Fixtures.FIXTURE_PLAINTEXT;
import static dev.driftless.secrets.sops.Fixtures.FIXTURE_RECIPIENT;
import static dev.driftless.secrets.sops.Fixtures.bytes;
import static dev.driftless.secrets.sops.Fixtures.fixtureIdentity;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.secrets.SecretException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Files written by the real sops tool decrypt, with their MAC verified, to the values they hold. */
class SopsFixturesTest {

    @Test
    void ageIdentityFileGivesItsRecipient() {
        assertThat(fixtureIdentity().recipients()).containsExactly(FIXTURE_RECIPIENT);
    }

    @Test
    void yamlWithEncryptedRegexDecrypts() throws SecretException {
        SopsFile file = Sops.decrypt(bytes("secret.age.yaml"), SopsFormat.YAML, "secret.age.yaml", fixtureIdentity());

        assertThat(file.format()).isEqualTo(SopsFormat.YAML);
        assertThat(file.tree()).isEqualTo(Map.of("apiVersion", "v1", "kind", "Secret",
                "metadata", Map.of("name", "age"), "stringData", Map.of("key", FIXTURE_PLAINTEXT)));
        assertThat(file.tree().keySet()).containsExactly("apiVersion", "kind", "metadata", "stringData");
        assertThat(new String(file.plaintext(), StandardCharsets.UTF_8)).isEqualTo("""
                apiVersion: v1
                kind: Secret
                metadata:
                  name: age
                stringData:
                  key: value
                """);
        assertThat(file.ageRecipients()).containsExactly(FIXTURE_RECIPIENT);
        assertThat(file.rules().encryptedRegex()).isEqualTo("^(data|stringData)$");
        assertThat(file.rules().unencryptedSuffix()).isEmpty();
        assertThat(file.rules().ageRecipients()).containsExactly(FIXTURE_RECIPIENT);
    }

    @Test
    void dotenvDecrypts() throws SecretException {
        SopsFile file = Sops.decrypt(bytes("env.age.env"), SopsFormat.DOTENV, "env.age.env", fixtureIdentity());

        assertThat(file.tree()).isEqualTo(Map.of("key", FIXTURE_PLAINTEXT));
        assertThat(new String(file.plaintext(), StandardCharsets.UTF_8)).isEqualTo("key=value\n");
        assertThat(file.rules().unencryptedSuffix()).isEqualTo("_unencrypted");
    }

    @Test
    void binaryStoreDecryptsToTheRawData() throws SecretException {
        SopsFile file = Sops.decrypt(bytes("file.age.json"), SopsFormat.BINARY, "file.age.json", fixtureIdentity());

        assertThat(file.plaintext()).isEqualTo(FIXTURE_PLAINTEXT.getBytes(StandardCharsets.UTF_8));
        assertThat(file.tree()).isEqualTo(Map.of("data", FIXTURE_PLAINTEXT));
    }

    @Test
    void binaryStoreAlsoReadsAsJson() throws SecretException {
        SopsFile file = Sops.decrypt(bytes("file.age.json"), SopsFormat.JSON, "file.age.json", fixtureIdentity());

        assertThat(file.tree()).isEqualTo(Map.of("data", FIXTURE_PLAINTEXT));
        assertThat(new String(file.plaintext(), StandardCharsets.UTF_8)).isEqualTo("{\n\t\"data\": \"value\"\n}\n");
    }

    @Test
    void pgpOnlyFileSaysThereIsNoAgeRecipient() {
        assertThatThrownBy(() -> Sops.decrypt(bytes("secret.pgp.yaml"), SopsFormat.YAML, "secret.pgp.yaml",
                fixtureIdentity()))
                .isInstanceOf(SecretException.class)
                .hasMessageContaining("secret.pgp.yaml")
                .hasMessageContaining("no age recipient you hold a key for")
                .hasMessageContaining("pgp 35C1A64CD7FC0AB6EB66756B2445463C3234ECE1");
    }

    @Test
    void recognisesEncryptedFiles() {
        assertThat(Sops.isEncrypted(bytes("secret.age.yaml"), SopsFormat.YAML)).isTrue();
        assertThat(Sops.isEncrypted(bytes("secret.pgp.yaml"), SopsFormat.YAML)).isTrue();
        assertThat(Sops.isEncrypted(bytes("env.age.env"), SopsFormat.DOTENV)).isTrue();
        assertThat(Sops.isEncrypted(bytes("file.age.json"), SopsFormat.BINARY)).isTrue();
        assertThat(Sops.isEncrypted(bytes("file.age.json"), SopsFormat.JSON)).isTrue();

        assertThat(Sops.isEncrypted("a: 1\n".getBytes(StandardCharsets.UTF_8), SopsFormat.YAML)).isFalse();
        assertThat(Sops.isEncrypted("a: [".getBytes(StandardCharsets.UTF_8), SopsFormat.YAML)).isFalse();
        assertThat(Sops.isEncrypted("A=1\n".getBytes(StandardCharsets.UTF_8), SopsFormat.DOTENV)).isFalse();
        assertThat(Sops.isEncrypted(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, SopsFormat.BINARY)).isFalse();
        assertThat(Sops.isEncrypted("{\"sops\": 1}".getBytes(StandardCharsets.UTF_8), SopsFormat.JSON)).isFalse();
    }

    @Test
    void plainFileIsNotASopsFile() {
        assertThatThrownBy(() -> Sops.decrypt("a: b\n".getBytes(StandardCharsets.UTF_8), SopsFormat.YAML, "plain.yaml",
                fixtureIdentity()))
                .hasMessageContaining("plain.yaml")
                .hasMessageContaining("no sops metadata");
        assertThatThrownBy(() -> Sops.decrypt("A=b\n".getBytes(StandardCharsets.UTF_8), SopsFormat.DOTENV, "a.env",
                fixtureIdentity()))
                .hasMessageContaining("no sops metadata");
    }

    @Test
    void reencryptingAFixtureKeepsItsDataKeyAndUnchangedValues() throws SecretException {
        SopsFile file = Sops.decrypt(bytes("secret.age.yaml"), SopsFormat.YAML, "secret.age.yaml", fixtureIdentity());
        String again = new String(Sops.reencrypt(file, file.tree()), StandardCharsets.UTF_8);
        String original = new String(bytes("secret.age.yaml"), StandardCharsets.UTF_8);

        // Everything but lastmodified and mac is byte-identical to what sops wrote.
        assertThat(withoutLines(again, "lastmodified:", "mac:")).isEqualTo(withoutLines(original, "lastmodified:",
                "mac:"));
        SopsFile back = Sops.decrypt(again.getBytes(StandardCharsets.UTF_8), SopsFormat.YAML, "again.yaml",
                fixtureIdentity());
        assertThat(back.tree()).isEqualTo(file.tree());
    }

    @Test
    void reencryptingTheDotenvAndBinaryFixturesReproducesThem() throws SecretException {
        for (String name : List.of("env.age.env", "file.age.json")) {
            SopsFormat format = name.endsWith(".env") ? SopsFormat.DOTENV : SopsFormat.BINARY;
            SopsFile file = Sops.decrypt(bytes(name), format, name, fixtureIdentity());
            String again = new String(Sops.reencrypt(file, file.tree()), StandardCharsets.UTF_8);
            String original = new String(bytes(name), StandardCharsets.UTF_8);
            assertThat(withoutLines(again, "lastmodified", "mac").strip())
                    .isEqualTo(withoutLines(original, "lastmodified", "mac").strip());
        }
    }

    private static String withoutLines(String text, String... markers) {
        StringBuilder out = new StringBuilder();
        for (String line : text.split("\n")) {
            boolean drop = false;
            for (String marker : markers) {
                drop |= line.strip().startsWith(marker) || line.strip().startsWith("\"" + marker)
                        || line.startsWith("sops_" + marker);
            }
            if (!drop) {
                out.append(line).append('\n');
            }
        }
        return out.toString();
    }
}
