package dev.driftless.secrets.sops;

import static dev.driftless.secrets.sops.Fixtures.ALICE;
import static dev.driftless.secrets.sops.Fixtures.BOB;
import static dev.driftless.secrets.sops.Fixtures.identity;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.secrets.SecretException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** age identities, recipients and whole-file encryption. */
class AgeTest {

    private static final byte[] MESSAGE = "a secret message".getBytes(StandardCharsets.UTF_8);

    @Test
    void generatedPairsMatch() throws SecretException {
        Age.KeyPair pair = Age.generate();
        assertThat(pair.identity()).startsWith("AGE-SECRET-KEY-1");
        assertThat(pair.recipient()).startsWith("age1");
        assertThat(AgeIdentities.parse(pair.identity(), "gen").recipients()).containsExactly(pair.recipient());
        assertThat(pair.toString()).doesNotContain(pair.identity());
        Age.validateRecipient(pair.recipient());
    }

    @Test
    void armoredAndBinaryFilesDecrypt() throws SecretException {
        byte[] armored = Age.encrypt(MESSAGE, List.of(ALICE.recipient(), BOB.recipient()), true);
        byte[] binary = Age.encrypt(MESSAGE, List.of(ALICE.recipient()), false);

        assertThat(new String(armored, StandardCharsets.US_ASCII)).startsWith("-----BEGIN AGE ENCRYPTED FILE-----\n")
                .endsWith("-----END AGE ENCRYPTED FILE-----\n");
        assertThat(new String(binary, 0, 21, StandardCharsets.US_ASCII)).isEqualTo("age-encryption.org/v1");
        assertThat(identity(ALICE).decrypt(armored, "m.age")).isEqualTo(MESSAGE);
        assertThat(identity(BOB).decrypt(armored, "m.age")).isEqualTo(MESSAGE);
        assertThat(identity(ALICE).decrypt(binary, "m.age")).isEqualTo(MESSAGE);
    }

    @Test
    void wrongKeyIsRefused() throws SecretException {
        byte[] binary = Age.encrypt(MESSAGE, List.of(ALICE.recipient()), false);
        assertThatThrownBy(() -> identity(BOB).decrypt(binary, "m.age"))
                .isInstanceOf(SecretException.class)
                .hasMessageContaining("m.age").hasMessageContaining("none of your age keys")
                .hasMessageContaining(BOB.recipient());
        assertThatThrownBy(() -> AgeIdentities.none().decrypt(binary, "m.age"))
                .hasMessageContaining("none of your age keys");
    }

    @Test
    void damagedOrForeignFilesAreRefused() throws SecretException {
        byte[] binary = Age.encrypt(MESSAGE, List.of(ALICE.recipient()), false);
        binary[binary.length - 1] ^= 1;
        assertThatThrownBy(() -> identity(ALICE).decrypt(binary, "m.age")).hasMessageContaining("damaged");
        assertThatThrownBy(() -> identity(ALICE).decrypt("hello".getBytes(StandardCharsets.UTF_8), "m.age"))
                .hasMessageContaining("not an age file");
    }

    @Test
    void identityFilesAllowCommentsAndBlankLinesAndLowerCase() throws SecretException {
        String text = "# created: today\n# public key: " + ALICE.recipient() + "\n\n" + ALICE.identity() + "\r\n"
                + BOB.identity().toLowerCase(Locale.ROOT) + "\n";
        AgeIdentities ids = AgeIdentities.parse(text, "keys.txt");
        assertThat(ids.recipients()).containsExactly(ALICE.recipient(), BOB.recipient());
        assertThat(ids.toString()).doesNotContain("AGE-SECRET-KEY").contains(ALICE.recipient());
    }

    @Test
    void badIdentityLinesAreReportedWithoutTheirText() {
        assertThatThrownBy(() -> AgeIdentities.parse("# ok\nsomething-secret\n", "SOPS_AGE_KEY"))
                .hasMessageContaining("SOPS_AGE_KEY line 2").hasMessageNotContaining("something-secret");
        String broken = ALICE.identity().substring(0, ALICE.identity().length() - 3) + "QQQ";
        assertThatThrownBy(() -> AgeIdentities.parse(broken, "keys.txt"))
                .hasMessageContaining("keys.txt line 1").hasMessageNotContaining(broken);
        assertThatThrownBy(() -> AgeIdentities.parse("AGE-PLUGIN-YUBIKEY-1XYZ", "keys.txt"))
                .hasMessageContaining("plugin");
    }

    @Test
    void plusJoinsAndDeduplicates() throws SecretException {
        AgeIdentities both = identity(ALICE).plus(identity(BOB)).plus(identity(ALICE));
        assertThat(both.recipients()).containsExactly(ALICE.recipient(), BOB.recipient());
        assertThat(AgeIdentities.none().isEmpty()).isTrue();
        assertThat(AgeIdentities.none().plus(identity(BOB)).isEmpty()).isFalse();
        assertThat(AgeIdentities.parse("\n# nothing\n", "empty").isEmpty()).isTrue();
    }

    @Test
    void invalidRecipientsAreRefused() {
        assertThatThrownBy(() -> Age.validateRecipient("age1qqqq")).hasMessageContaining("not a valid age recipient");
        assertThatThrownBy(() -> Age.validateRecipient("ssh-ed25519 AAAAC3Nza")).hasMessageContaining("not an age"
                + " recipient");
        assertThatThrownBy(() -> Age.encrypt(MESSAGE, List.of(), true)).hasMessageContaining("no age recipient");
    }

    @Test
    void sopsFileToStringShowsNoValue() throws SecretException {
        SopsFile file = Sops.decrypt(Fixtures.bytes("secret.age.yaml"), SopsFormat.YAML, "secret.age.yaml",
                Fixtures.fixtureIdentity());
        assertThat(file.toString()).contains("secret.age.yaml").doesNotContain(Fixtures.FIXTURE_PLAINTEXT);
    }
}
