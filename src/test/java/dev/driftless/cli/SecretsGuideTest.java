package dev.driftless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The .sops.yaml of docs/secrets.md works as written for every file the guide tells a user to create. */
class SecretsGuideTest {

    @TempDir
    Path tmp;

    @Test
    void theGuidesSopsYamlHasARuleForEverySecretFileTheGuideNames() throws IOException {
        String guide = Files.readString(Path.of("docs/secrets.md"));
        int start = guide.indexOf("cat > .sops.yaml <<'YAML'\n");
        assertThat(start).as("docs/secrets.md writes a .sops.yaml").isNotNegative();
        start += "cat > .sops.yaml <<'YAML'\n".length();
        Files.writeString(tmp.resolve(".sops.yaml"), guide.substring(start, guide.indexOf("YAML\n", start)));

        // the service's own file, the shared secrets/ folder, and a binary file given to secret:
        for (String file : new String[] {"services/app/secrets.sops.yaml", "secrets/postgres.sops.yaml",
                "secrets/smtp.sops.env", "services/app/site.key.sops"}) {
            Path secret = tmp.resolve(file);
            Files.createDirectories(secret.getParent());
            Files.writeString(secret, file.endsWith(".env") ? "password=hunter2-but-longer\n"
                    : file.endsWith(".sops") ? "-----BEGIN PRIVATE KEY-----\n" : "password: hunter2-but-longer\n");

            Cli.Result encrypt = Cli.run("secrets", "encrypt", "--in-place", secret.toString());

            assertThat(encrypt.exitCode()).as(file + ": " + encrypt).isZero();
            assertThat(Files.readString(secret)).as(file).contains("ENC[AES256_GCM,").doesNotContain("hunter2");
        }
    }
}
