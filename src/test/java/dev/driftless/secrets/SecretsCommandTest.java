package dev.driftless.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.Processes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code driftless secrets}: keygen, encrypt, decrypt, edit and updatekeys through the real command line. */
class SecretsCommandTest {

    @TempDir
    Path tmp;

    private String keygen(Path file) {
        Cli.Result result = Cli.run("secrets", "keygen", "-o", file.toString());
        assertThat(result.exitCode()).as(result.toString()).isZero();
        return result.err().lines().filter(l -> l.startsWith("Public key: ")).findFirst().orElseThrow()
                .substring("Public key: ".length());
    }

    @Test
    void keygenWritesAPrivateFileAndNeverOverwritesOne() throws IOException {
        Path key = tmp.resolve("keys.txt");
        String recipient = keygen(key);
        assertThat(recipient).startsWith("age1");
        assertThat(Files.readString(key)).contains("# public key: " + recipient).containsPattern("AGE-SECRET-KEY-1[0-9A-Z]+");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        String before = Files.readString(key);

        Cli.Result again = Cli.run("secrets", "keygen", "-o", key.toString());
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).contains("already exists");
        assertThat(Files.readString(key)).isEqualTo(before);
    }

    @Test
    void encryptFollowsTheMatchingCreationRuleAndDecryptGivesTheFileBack() throws IOException {
        Path key = tmp.resolve("keys.txt");
        String recipient = keygen(key);
        Files.writeString(tmp.resolve(".sops.yaml"), """
                creation_rules:
                  - path_regex: ^other/
                    age: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
                  - path_regex: k8s/.*\\.yaml$
                    encrypted_regex: ^(data|stringData)$
                    age: %s
                """.formatted(recipient));
        Path secret = tmp.resolve("k8s/secret.yaml");
        Files.createDirectories(secret.getParent());
        String plain = """
                apiVersion: v1
                kind: Secret
                metadata:
                  name: app
                stringData:
                  password: correct-horse-battery
                """;
        Files.writeString(secret, plain);

        Cli.Result printed = Cli.run("secrets", "encrypt", secret.toString());
        assertThat(printed.exitCode()).as(printed.toString()).isZero();
        assertThat(printed.out()).contains("name: app", "password: ENC[AES256_GCM,", "recipient: " + recipient,
                "encrypted_regex: ^(data|stringData)$").doesNotContain("correct-horse-battery");
        assertThat(Files.readString(secret)).isEqualTo(plain); // printed, not written

        assertThat(Cli.run("secrets", "encrypt", "--in-place", secret.toString()).exitCode()).isZero();
        assertThat(Files.readString(secret)).doesNotContain("correct-horse-battery");
        Cli.Result twice = Cli.run("secrets", "encrypt", "--in-place", secret.toString());
        assertThat(twice.exitCode()).isEqualTo(1);
        assertThat(twice.err()).contains("already encrypted");

        Cli.Result decrypted = Cli.run("secrets", "decrypt", "--age-key", key.toString(), secret.toString());
        assertThat(decrypted.exitCode()).as(decrypted.toString()).isZero();
        assertThat(decrypted.out()).contains("password: correct-horse-battery", "name: app").doesNotContain("sops");
    }

    @Test
    void decryptWithTheWrongKeyNamesTheFileAndItsRecipients() throws IOException {
        String recipient = keygen(tmp.resolve("right.txt"));
        keygen(tmp.resolve("wrong.txt"));
        Path secret = tmp.resolve("app.env");
        Files.writeString(secret, "TOKEN=abcd-efgh-ijkl\n");
        assertThat(Cli.run("secrets", "encrypt", "-i", "--age", recipient, secret.toString()).exitCode()).isZero();

        Cli.Result refused = Cli.run("secrets", "decrypt", "--age-key", tmp.resolve("wrong.txt").toString(),
                secret.toString());
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains(secret.toString(), recipient).doesNotContain("abcd-efgh-ijkl");

        Cli.Result missing = Cli.run("secrets", "decrypt", "--age-key", tmp.resolve("nope.txt").toString(),
                secret.toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("nope.txt");
    }

    @Test
    void editReencryptsWhatChangedAndKeepsTheCiphertextOfTheRest() throws Exception {
        Path key = tmp.resolve("keys.txt");
        String recipient = keygen(key);
        Path secret = tmp.resolve("repo/secrets.sops.yaml");
        Files.createDirectories(secret.getParent());
        Files.writeString(secret, "one: first-value\ntwo: second-value\n");
        assertThat(Cli.run("secrets", "encrypt", "-i", "--age", recipient, secret.toString()).exitCode()).isZero();
        String before = Files.readString(secret);
        Path editTmp = Files.createDirectories(tmp.resolve("edit-tmp"));

        ProcessBuilder edit = Processes.driftless(tmp, "secrets", "edit", "--age-key", key.toString(),
                secret.toString()).redirectErrorStream(true);
        edit.environment().put("EDITOR", "sed -i s/first-value/changed-value/");
        edit.environment().remove("VISUAL");
        edit.environment().put("JAVA_TOOL_OPTIONS", "-Djava.io.tmpdir=" + editTmp);
        Process process = edit.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(output).isZero();

        String after = Files.readString(secret);
        assertThat(after).doesNotContain("changed-value", "first-value");
        assertThat(line(after, "two:")).isEqualTo(line(before, "two:"));
        assertThat(line(after, "one:")).isNotEqualTo(line(before, "one:"));
        assertThat(Cli.run("secrets", "decrypt", "--age-key", key.toString(), secret.toString()).out())
                .contains("one: changed-value", "two: second-value");
        try (var left = Files.list(editTmp)) {
            assertThat(left.filter(p -> p.getFileName().toString().startsWith("driftless-edit-")).toList())
                    .as("the decrypted temporary copy is removed").isEmpty();
        }
        try (var repo = Files.list(secret.getParent())) {
            assertThat(repo.toList()).containsExactly(secret);
        }
    }

    @Test
    void updatekeysAddsAndRemovesRecipientsAsSopsYamlSays() throws IOException {
        Path oldKey = tmp.resolve("old.txt");
        Path newKey = tmp.resolve("new.txt");
        String oldRecipient = keygen(oldKey);
        String newRecipient = keygen(newKey);
        Path secret = tmp.resolve("secrets.sops.yaml");
        Files.writeString(secret, "token: rotate-me-please\n");
        Files.writeString(tmp.resolve(".sops.yaml"), "creation_rules:\n  - age: " + oldRecipient + "\n");
        assertThat(Cli.run("secrets", "encrypt", "-i", secret.toString()).exitCode()).isZero();
        String tokenLine = line(Files.readString(secret), "token:");

        Files.writeString(tmp.resolve(".sops.yaml"), "creation_rules:\n  - age: " + newRecipient + "\n");
        Cli.Result updated = Cli.run("secrets", "updatekeys", "--age-key", oldKey.toString(), secret.toString());
        assertThat(updated.exitCode()).as(updated.toString()).isZero();
        assertThat(updated.err()).contains("+ " + newRecipient, "- " + oldRecipient);
        assertThat(line(Files.readString(secret), "token:")).isEqualTo(tokenLine);

        assertThat(Cli.run("secrets", "decrypt", "--age-key", newKey.toString(), secret.toString()).out())
                .contains("token: rotate-me-please");
        assertThat(Cli.run("secrets", "decrypt", "--age-key", oldKey.toString(), secret.toString()).exitCode())
                .isEqualTo(1);
    }

    @Test
    void helpExplainsEverySubcommand() {
        for (String sub : List.of("keygen", "encrypt", "decrypt", "edit", "updatekeys")) {
            Cli.Result help = Cli.run("secrets", sub, "--help");
            assertThat(help.exitCode()).isZero();
            assertThat(help.out()).contains("Usage: driftless secrets " + sub);
        }
        assertThat(Cli.run("secrets").out()).contains("keygen", "encrypt", "decrypt", "edit", "updatekeys");
    }

    private static String line(String text, String prefix) {
        return text.lines().filter(l -> l.strip().startsWith(prefix)).findFirst().orElseThrow();
    }
}
