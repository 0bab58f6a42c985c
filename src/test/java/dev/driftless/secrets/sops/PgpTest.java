package dev.driftless.secrets.sops;

import static dev.driftless.secrets.sops.Fixtures.bytes;
import static dev.driftless.secrets.sops.Fixtures.fixtureIdentity;
import static dev.driftless.secrets.sops.Fixtures.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.driftless.secrets.SecretException;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.openpgp.api.OpenPGPApi;
import org.bouncycastle.openpgp.api.OpenPGPKey;
import org.bouncycastle.openpgp.api.bc.BcOpenPGPApi;
import org.bouncycastle.util.encoders.Hex;
import org.junit.jupiter.api.Test;

/** sops files whose data key is wrapped for an OpenPGP key open with that key and with no other. */
class PgpTest {

    /** The primary key of pgp.asc, as secret.pgp.yaml names it in {@code fp}. */
    static final String FINGERPRINT = "35C1A64CD7FC0AB6EB66756B2445463C3234ECE1";
    /** What secret.pgp.yaml's stringData.key decrypts to. */
    static final String PLAINTEXT = "value";

    private static final OpenPGPApi API = new BcOpenPGPApi();

    static PgpKeys fixtureKey() throws SecretException {
        return PgpKeys.parse(bytes("pgp.asc"), "pgp.asc");
    }

    @Test
    void readsTheFixtureKey() throws SecretException {
        assertThat(fixtureKey().fingerprints()).containsExactly(FINGERPRINT);
        assertThat(fixtureKey().plus(fixtureKey()).fingerprints()).containsExactly(FINGERPRINT);
        assertThat(PgpKeys.none().isEmpty()).isTrue();
    }

    @Test
    void pgpFileDecryptsWithItsKey() throws SecretException {
        SopsFile file = Sops.decrypt(bytes("secret.pgp.yaml"), SopsFormat.YAML, "secret.pgp.yaml",
                AgeIdentities.none().withPgp(fixtureKey()));

        assertThat(file.tree()).containsEntry("stringData", Map.of("key", PLAINTEXT));
    }

    @Test
    void ageIdentitiesAlongsideDoNotGetInTheWay() throws SecretException {
        SopsFile file = Sops.decrypt(bytes("secret.pgp.yaml"), SopsFormat.YAML, "secret.pgp.yaml",
                fixtureIdentity().withPgp(fixtureKey()));

        assertThat(file.tree()).containsEntry("stringData", Map.of("key", PLAINTEXT));
    }

    @Test
    void flippedValueIsRefused() throws SecretException {
        String text = text("secret.pgp.yaml");
        assertThat(text).contains("data:EJey73Q=");
        byte[] changed = text.replace("data:EJey73Q=", "data:FJey73Q=").getBytes(StandardCharsets.UTF_8);

        SecretException e = catchThrowableOfType(SecretException.class, () -> Sops.decrypt(changed,
                SopsFormat.YAML, "secret.pgp.yaml", AgeIdentities.none().withPgp(fixtureKey())));
        assertThat(e.getMessage()).contains("secret.pgp.yaml").doesNotContain(PLAINTEXT);
    }

    @Test
    void withoutAPgpKeyTheFingerprintIsNamed() {
        assertThatThrownBy(() -> Sops.decrypt(bytes("secret.pgp.yaml"), SopsFormat.YAML, "secret.pgp.yaml",
                fixtureIdentity()))
                .isInstanceOf(SecretException.class)
                .hasMessageContaining("no age recipient you hold a key for")
                .hasMessageContaining("pgp " + FINGERPRINT)
                .hasMessageContaining("DRIFTLESS_PGP_KEY_FILE");
    }

    @Test
    void wrongPgpKeyIsRefused() throws Exception {
        OpenPGPKey other = API.generateKey().ed25519x25519Key("throwaway").build();
        PgpKeys wrong = PgpKeys.parse(other.toAsciiArmoredString().getBytes(StandardCharsets.US_ASCII), "other.asc");
        String otherFingerprint = Hex.toHexString(other.getFingerprint()).toUpperCase();

        SecretException e = catchThrowableOfType(SecretException.class, () -> Sops.decrypt(bytes("secret.pgp.yaml"),
                SopsFormat.YAML, "secret.pgp.yaml", AgeIdentities.none().withPgp(wrong)));
        assertThat(e.getMessage()).contains("no age recipient you hold a key for")
                .contains("encrypted for pgp " + FINGERPRINT)
                .contains("keys tried: pgp " + otherFingerprint + " from other.asc")
                .doesNotContain(PLAINTEXT);
    }

    @Test
    void messageForAGeneratedKeyOpens() throws Exception {
        OpenPGPKey key = API.generateKey().ed25519x25519Key("throwaway").build();
        PgpKeys keys = PgpKeys.parse(key.toAsciiArmoredString().getBytes(StandardCharsets.US_ASCII), "key.asc");
        byte[] dataKey = ValueCipher.newDataKey();
        String message = armor(encrypt(key, dataKey));

        assertThat(keys.decrypt(message, "enc")).isEqualTo(dataKey);
        assertThat(PgpKeys.none().open(message, "enc")).isEmpty();
        assertThat(fixtureKey().open(message, "enc")).isEmpty();
    }

    @Test
    void changedMessageFailsItsIntegrityCheck() throws Exception {
        OpenPGPKey key = API.readKeyOrCertificate().parseKey(text("pgp.asc"));
        byte[] message = encrypt(key, ValueCipher.newDataKey());
        message[message.length - 5] ^= 1; // inside the modification detection code, as sops' messages carry one

        assertThatThrownBy(() -> fixtureKey().decrypt(armor(message), "enc")).isInstanceOf(SecretException.class)
                .hasMessage("enc: the PGP message fails its integrity check: it was changed after it was encrypted");
    }

    @Test
    void passphraseProtectedKeyIsExplained() throws Exception {
        OpenPGPKey locked = API.generateKey().ed25519x25519Key("locked").build("secret".toCharArray());
        PgpKeys keys = PgpKeys.parse(locked.toAsciiArmoredString().getBytes(StandardCharsets.US_ASCII), "locked.asc");
        String message = armor(encrypt(locked, new byte[32]));

        assertThatThrownBy(() -> keys.decrypt(message, "enc"))
                .hasMessageContaining("protected by a passphrase");
    }

    @Test
    void publicKeyOrGarbageIsNotAPrivateKey() throws Exception {
        OpenPGPKey key = API.generateKey().ed25519x25519Key("throwaway").build();
        byte[] publicOnly = key.toCertificate().toAsciiArmoredString().getBytes(StandardCharsets.US_ASCII);

        assertThatThrownBy(() -> PgpKeys.parse(publicOnly, "pub.asc")).hasMessageContaining("public key");
        assertThatThrownBy(() -> PgpKeys.parse("not a key".getBytes(StandardCharsets.US_ASCII), "junk.asc"))
                .isInstanceOf(SecretException.class).hasMessageContaining("junk.asc");
        assertThatThrownBy(() -> PgpKeys.parse(bytes("age.txt"), "age.txt"))
                .isInstanceOf(SecretException.class).hasMessageNotContaining("AGE-SECRET-KEY");
    }

    private static byte[] encrypt(OpenPGPKey key, byte[] plaintext) throws Exception {
        ByteArrayOutputStream binary = new ByteArrayOutputStream();
        try (OutputStream out = API.signAndOrEncryptMessage().setArmored(false)
                .addEncryptionCertificate(key.toCertificate()).open(binary)) {
            out.write(plaintext);
        }
        return binary.toByteArray();
    }

    private static String armor(byte[] binary) throws Exception {
        ByteArrayOutputStream armored = new ByteArrayOutputStream();
        try (ArmoredOutputStream out = new ArmoredOutputStream(armored)) {
            out.write(binary);
        }
        return armored.toString(StandardCharsets.US_ASCII);
    }
}
