package dev.driftless.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.testing.SigningKeys;
import dev.driftless.testing.SigningKeys.PgpKey;
import dev.driftless.testing.SigningKeys.SshKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trust files are checked when they are loaded, and a mistake names the file, the line and what to do. */
class TrustSettingsTest {

    @TempDir
    Path tmp;

    private SigningKeys keys;

    @BeforeEach
    void setUp() throws IOException {
        keys = new SigningKeys(Files.createDirectories(tmp.resolve("keys")));
    }

    @AfterEach
    void tearDown() {
        keys.close();
    }

    @Test
    void allowedSignersWithCommentsOptionsAndSeveralPrincipalsIsRead() throws IOException {
        SshKey alice = keys.sshKey("alice@example.org");
        Path file = Files.writeString(tmp.resolve("allowed_signers"), "# the release team\n\n"
                + alice.allowedSignersLine("namespaces=\"git,file\",valid-after=\"20240101\",valid-before=\"299901011200Z\"")
                        .replace("alice@example.org", "alice@example.org,release@example.org") + "\n");

        TrustSettings settings = TrustSettings.load(Optional.of(file), List.of());

        AllowedSigners.Entry entry = settings.allowedSigners().orElseThrow().entries().get(0);
        assertThat(entry.line()).isEqualTo(3);
        assertThat(entry.principals()).containsExactly("alice@example.org", "release@example.org");
        assertThat(entry.namespaces()).contains(List.of("git", "file"));
        assertThat(entry.validAfter()).contains("20240101");
        assertThat(entry.validBefore()).contains("299901011200Z");
        assertThat(entry.fingerprint()).startsWith("SHA256:");
    }

    @Test
    void aLineWithoutPrincipalsIsAnErrorNamingFileAndLine() throws IOException {
        SshKey alice = keys.sshKey("alice@example.org");
        Path file = Files.writeString(tmp.resolve("allowed_signers"), "# comment\n" + alice.publicKey() + "\n");

        assertThatThrownBy(() -> TrustSettings.load(Optional.of(file), List.of()))
                .isInstanceOf(TrustSettingsException.class)
                .hasMessageStartingWith(file + ":2: the line starts with 'ssh-ed25519'")
                .hasMessageContaining("PRINCIPALS [OPTIONS] KEYTYPE BASE64KEY");
    }

    @Test
    void anUnknownOptionABadDateAndABrokenKeyAreErrorsNamingTheLine() throws IOException {
        SshKey alice = keys.sshKey("alice@example.org");
        Path option = Files.writeString(tmp.resolve("option"), alice.allowedSignersLine("no-touch-required") + "\n");
        Path date = Files.writeString(tmp.resolve("date"), alice.allowedSignersLine("valid-before=\"tomorrow\"") + "\n");
        Path key = Files.writeString(tmp.resolve("key"), "alice@example.org ssh-ed25519 AAAAnotakey\n");

        assertThatThrownBy(() -> TrustSettings.load(Optional.of(option), List.of()))
                .hasMessageStartingWith(option + ":1: unknown option 'no-touch-required'");
        assertThatThrownBy(() -> TrustSettings.load(Optional.of(date), List.of()))
                .hasMessageStartingWith(date + ":1: valid-before=tomorrow is not a date: write YYYYMMDD");
        assertThatThrownBy(() -> TrustSettings.load(Optional.of(key), List.of()))
                .hasMessageStartingWith(key + ":1: cannot read the ssh-ed25519 public key");
    }

    @Test
    void aRevokedKeysFileIsReadWithItsLinesAndCertificatesCountAsTheirKeys() throws IOException {
        SshKey alice = keys.sshKey("alice@example.org");
        SshKey certified = keys.sshCertificate(keys.sshKey("ca"), "bob@example.org");
        Path allowed = Files.writeString(tmp.resolve("allowed_signers"), alice.allowedSignersLine("") + "\n");
        Path revoked = Files.writeString(tmp.resolve("revoked"), "# stolen laptops\n\n" + alice.publicKey() + "\n"
                + certified.publicKey() + "\n");

        RevokedSshKeys keys = TrustSettings.load(Optional.of(allowed), Optional.of(revoked), List.of())
                .revokedSshKeys().orElseThrow();

        assertThat(keys.listed()).extracting(RevokedSshKeys.Listed::line).containsExactly(3, 4);
        assertThat(keys.listed().get(1).key()).startsWith("ssh-ed25519 ")
                .isEqualTo(String.join(" ", Arrays.copyOf(Files.readString(Path.of(certified.privateKey() + ".pub"))
                        .split(" "), 2)));
    }

    @Test
    void aRevokedKeysLineThatIsNoKeyOrADamagedRevocationListIsAnErrorNamingTheFile() throws IOException {
        SshKey alice = keys.sshKey("alice@example.org");
        Path allowed = Files.writeString(tmp.resolve("allowed_signers"), alice.allowedSignersLine("") + "\n");
        Path principals = Files.writeString(tmp.resolve("revoked"), "# stolen\n" + alice.allowedSignersLine("") + "\n");
        byte[] krl = Files.readAllBytes(keys.revocationList(alice));
        Path truncated = Files.write(tmp.resolve("revoked.krl"), Arrays.copyOf(krl, 12));

        assertThatThrownBy(() -> TrustSettings.load(Optional.of(allowed), Optional.of(principals), List.of()))
                .isInstanceOf(TrustSettingsException.class)
                .hasMessageStartingWith(principals + ":2: ")
                .hasMessageContaining("KEYTYPE BASE64KEY [COMMENT]");
        assertThatThrownBy(() -> TrustSettings.load(Optional.of(allowed), Optional.of(truncated), List.of()))
                .isInstanceOf(TrustSettingsException.class)
                .hasMessageStartingWith(truncated + ": not a key revocation list")
                .hasMessageContaining("ssh-keygen -k");
    }

    @Test
    void noKeyAtAllIsAnError() throws IOException {
        Path empty = Files.writeString(tmp.resolve("allowed_signers"), "# nobody yet\n");

        assertThatThrownBy(() -> TrustSettings.load(Optional.of(empty), List.of()))
                .hasMessageStartingWith(empty + ": lists no key")
                .hasMessageContaining("--allowed-signers");
        assertThatThrownBy(() -> TrustSettings.load(Optional.empty(), List.of()))
                .hasMessageStartingWith("no allowed signers file and no OpenPGP key file");
    }

    @Test
    void severalArmoredKeysInOneFileAndABinaryKeyringAreRead() throws IOException {
        PgpKey bob = keys.pgpKey("Bob <bob@example.org>");
        PgpKey carol = keys.pgpKey("Carol <carol@example.org>");
        Path both = Files.writeString(tmp.resolve("team.asc"),
                Files.readString(bob.publicKeyFile()) + Files.readString(carol.publicKeyFile()));
        Path binary = Files.write(tmp.resolve("bob.gpg"), org.bouncycastle.util.encoders.Base64.decode(
                String.join("", Files.readAllLines(bob.publicKeyFile()).stream()
                        .filter(l -> !l.startsWith("-----") && !l.startsWith("=") && !l.isBlank()).toList())));

        assertThat(TrustSettings.load(Optional.empty(), List.of(both)).openPgpKeys().size()).isEqualTo(2);
        assertThat(TrustSettings.load(Optional.empty(), List.of(binary)).openPgpKeys().size()).isEqualTo(1);
    }

    @Test
    void aPrivateKeyOrAFileThatIsNoKeyIsRefusedWithItsLine() throws IOException {
        Path secret = Files.writeString(tmp.resolve("secret.asc"), "comment\n-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n"
                + "abc\n-----END PGP PRIVATE KEY BLOCK-----\n");
        Path text = Files.writeString(tmp.resolve("notes.txt"), "not a key\n");

        assertThatThrownBy(() -> TrustSettings.load(Optional.empty(), List.of(secret)))
                .hasMessageStartingWith(secret + ":2: '-----BEGIN PGP PRIVATE KEY BLOCK-----' is not a public key")
                .hasMessageContaining("gpg --export --armor");
        assertThatThrownBy(() -> TrustSettings.load(Optional.empty(), List.of(text)))
                .hasMessageStartingWith(text + ": not OpenPGP public keys");
    }
}
