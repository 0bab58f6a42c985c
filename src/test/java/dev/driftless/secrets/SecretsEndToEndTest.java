package dev.driftless.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.render.SecretLines;
import dev.driftless.secrets.sops.Age;
import dev.driftless.testing.Cli;
import dev.driftless.testing.Processes;
import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A repository full of secrets goes through plan, apply, drift and check as separate Driftless processes
 * (logging at TRACE); no output and no file Driftless wrote (other than the managed files themselves)
 * holds any secret value, its base64 form or the bare SHA-256 of a secret file.
 */
class SecretsEndToEndTest {

    static final String API_TOKEN = "s3cr3t-api-token-7f2c";
    static final String DB_PASSWORD = "db-passw0rd-91ab";
    static final String TLS_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQ-fake-key-material-42\n-----END PRIVATE KEY-----\n";
    static final String AGE_TOKEN = "age-file-token-5d3e";
    static final String ROTATED = "rotated-token-0c1d";

    @TempDir
    Path tmp;

    Path root;
    Path keyFile;
    String recipient;
    TestRepo repo;
    final List<String> outputs = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        root = tmp.resolve("root");
        keyFile = tmp.resolve("keys.txt");
        Cli.Result keygen = Cli.run("secrets", "keygen", "-o", keyFile.toString());
        assertThat(keygen.exitCode()).as(keygen.toString()).isZero();
        recipient = keygen.err().lines().filter(l -> l.startsWith("Public key: ")).findFirst().orElseThrow()
                .substring("Public key: ".length());

        repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", """
                hosts:
                  app-1:
                    address: local
                """);
        repo.write("services/app/service.yaml", """
                hosts: [app-1]
                files:
                  - path: /etc/app/app.conf
                    template: app.conf.peb
                    mode: "0600"
                    onChange: [restart]
                  - path: /etc/app/tls.key
                    secret: tls.key.sops
                    mode: "0600"
                  - path: /etc/app/token
                    secret: token.age
                  - path: /etc/app/plain.txt
                    content: "nothing secret here\\n"
                handlers:
                  restart: echo restarted >> "$DRIFTLESS_ROOT/handler.log"
                """);
        repo.write("services/app/app.conf.peb", """
                api_token = {{ secret('api_token') }}
                db_password = {{ secret('db.password') }}
                listen = 8080
                """);
        encrypt("services/app/secrets.sops.yaml", "api_token: " + API_TOKEN + "\nport: 8080\n");
        encrypt("secrets/db.sops.yaml", "password: " + DB_PASSWORD + "\nuser: app\n");
        encrypt("services/app/tls.key.sops", TLS_KEY);
        try {
            repo.write("services/app/token.age", Age.encrypt(AGE_TOKEN.getBytes(StandardCharsets.UTF_8),
                    List.of(recipient), true));
        } catch (SecretException e) {
            throw new AssertionError(e);
        }
        repo.commit("an app with secrets");
    }

    private void encrypt(String path, String plain) {
        repo.write(path, plain);
        Cli.Result result = Cli.run("secrets", "encrypt", "--in-place", "--age", recipient,
                repo.dir().resolve(path).toString());
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(read(repo.dir().resolve(path))).doesNotContain(API_TOKEN, DB_PASSWORD, "fake-key-material");
    }

    /** Runs Driftless as its own process, as a user would, with every log level switched on. */
    private int driftless(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(args));
        command.addAll(List.of("--repo", repo.dir().toString()));
        if (!args[0].equals("validate")) {
            command.addAll(List.of("--root", root.toString()));
        }
        ProcessBuilder builder = Processes.driftless(tmp, command.toArray(String[]::new)).redirectErrorStream(true);
        builder.environment().put("DRIFTLESS_LOG_LEVEL", "TRACE");
        builder.environment().put("SOPS_AGE_KEY_FILE", keyFile.toString());
        builder.environment().put("HOME", tmp.toString()); // no key of the machine's user is picked up
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = process.waitFor();
        outputs.add("$ driftless " + String.join(" ", args) + " (exit " + code + ")\n" + output);
        return code;
    }

    @Test
    void noSecretLeavesTheHostFilesThroughOutputStateOrLogs() throws Exception {
        assertThat(driftless("plan")).isEqualTo(2);
        assertThat(driftless("plan", "--output", "json")).isEqualTo(2);
        assertThat(driftless("apply")).isZero();

        // the host got the plaintext, and only the host
        assertThat(read(root.resolve("etc/app/app.conf")))
                .isEqualTo("api_token = " + API_TOKEN + "\ndb_password = " + DB_PASSWORD + "\nlisten = 8080\n");
        assertThat(read(root.resolve("etc/app/tls.key"))).isEqualTo(TLS_KEY);
        assertThat(read(root.resolve("etc/app/token"))).isEqualTo(AGE_TOKEN);

        assertThat(driftless("check")).isZero();
        assertThat(driftless("check", "--output", "json")).isZero();

        // drift on a secret file: reported, but never shown
        Files.writeString(root.resolve("etc/app/app.conf"), "api_token = hand-edited\n");
        Files.writeString(root.resolve("etc/app/tls.key"), "not a key\n");
        assertThat(driftless("check")).isEqualTo(2);
        assertThat(driftless("check", "--output", "json")).isEqualTo(2);
        String driftText = outputs.get(outputs.size() - 2);
        assertThat(driftText).contains("/etc/app/app.conf", "/etc/app/tls.key", "(sensitive content changed)")
                .doesNotContain("hand-edited", "not a key");
        assertThat(outputs.get(outputs.size() - 1)).contains("(sensitive content changed)");
        assertThat(driftless("apply", "--output", "json")).isZero();
        assertThat(read(root.resolve("etc/app/tls.key"))).isEqualTo(TLS_KEY);

        // a secret rotated in Git: pending, and still not shown
        Cli.Result decrypted = Cli.run("secrets", "decrypt", "--age-key", keyFile.toString(),
                repo.dir().resolve("services/app/secrets.sops.yaml").toString());
        assertThat(decrypted.out()).contains(API_TOKEN);
        encrypt("services/app/secrets.sops.yaml", "api_token: " + ROTATED + "\nport: 8080\n");
        repo.commit("rotate the api token");
        assertThat(driftless("plan")).isEqualTo(2);
        // its lines from secrets masked, the host's too (they came from the token before)
        assertThat(outputs.get(outputs.size() - 1)).contains("~ /etc/app/app.conf", "-" + SecretLines.MASK,
                "+" + SecretLines.MASK, " listen = 8080");
        assertThat(driftless("apply")).isZero();
        assertThat(read(root.resolve("etc/app/app.conf"))).contains(ROTATED);
        assertThat(driftless("check")).isZero();

        Map<String, String> secrets = new LinkedHashMap<>();
        for (String value : List.of(API_TOKEN, DB_PASSWORD, AGE_TOKEN, ROTATED, "MIIEvQ-fake-key-material-42")) {
            secrets.put(value, value);
            secrets.put("base64 of " + value, Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)));
            secrets.put("sha256 of " + value, sha256(value.getBytes(StandardCharsets.UTF_8)));
        }
        for (String managed : List.of("etc/app/app.conf", "etc/app/tls.key", "etc/app/token")) {
            secrets.put("sha256 of " + managed, sha256(Files.readAllBytes(root.resolve(managed))));
        }
        secrets.put("sha256 of the TLS key", sha256(TLS_KEY.getBytes(StandardCharsets.UTF_8)));

        Map<String, String> written = new LinkedHashMap<>();
        outputs.forEach(o -> written.put("output of " + o.lines().findFirst().orElseThrow(), o));
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String relative = root.relativize(file).toString();
                if (!List.of("etc/app/app.conf", "etc/app/tls.key", "etc/app/token").contains(relative)) {
                    written.put(relative, read(file));
                }
            }
        }
        assertThat(written).containsKey("var/lib/driftless/state/app-1.json");
        assertThat(written.get("var/lib/driftless/state/app-1.json")).contains("\"sensitive\" : true", "salted:");
        assertThat(String.join("\n", outputs)).contains("/etc/app/app.conf");
        written.forEach((where, text) -> secrets.forEach((what, value) ->
                assertThat(text).as("%s in %s", what, where).doesNotContain(value)));
    }

    @Test
    void aSecretThatDoesNotExistOrCannotBeDecryptedStopsTheApplyAndNamesTheFile() throws Exception {
        repo.write("services/app/app.conf.peb", "token = {{ secret('no_such_secret') }}\n");
        repo.commit("a typo in a secret name");
        assertThat(driftless("apply")).isEqualTo(1);
        assertThat(outputs.get(outputs.size() - 1))
                .contains("services/app/app.conf.peb:1", "no secret named 'no_such_secret'",
                        "services/app/secrets.sops.yaml");
        assertThat(root.resolve("etc/app")).doesNotExist();

        // a key that is not the file's
        repo.write("services/app/app.conf.peb", "token = {{ secret('api_token') }}\n");
        repo.commit("fixed");
        Path otherKey = tmp.resolve("other.txt");
        assertThat(Cli.run("secrets", "keygen", "-o", otherKey.toString()).exitCode()).isZero();
        Files.copy(otherKey, keyFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(driftless("apply")).isEqualTo(1);
        assertThat(outputs.get(outputs.size() - 1)).contains("services/app/secrets.sops.yaml", recipient)
                .doesNotContain(API_TOKEN);
        assertThat(root.resolve("etc/app")).doesNotExist();
    }

    @Test
    void aCorruptedSecretFileIsRefusedAndNothingIsApplied() throws Exception {
        Path file = repo.dir().resolve("services/app/secrets.sops.yaml");
        String encrypted = Files.readString(file);
        int data = encrypted.indexOf("data:") + "data:".length();
        char flipped = encrypted.charAt(data) == 'A' ? 'B' : 'A';
        Files.writeString(file, encrypted.substring(0, data) + flipped + encrypted.substring(data + 1));
        repo.commit("a damaged secret");
        assertThat(driftless("apply")).isEqualTo(1);
        assertThat(outputs.get(outputs.size() - 1)).contains("services/app/secrets.sops.yaml", "api_token")
                .doesNotContain(API_TOKEN);
        assertThat(root.resolve("etc/app")).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{% include secret('api_token') | upper %}\n",
        "token = {{ secret('api_token') }}\n{% include secret('db.password') | slice(1) %}\n",
        "{% include 'part.peb' %}\n"})
    void aTemplateErrorAfterReadingASecretNamesOnlyTheFileAndLine(String template) throws Exception {
        repo.write("services/app/part.peb", "part\n{% include secret('db.password') | lower | upper %}\n");
        repo.write("services/app/app.conf.peb", template);
        repo.commit("a template whose error would quote a transformed secret");

        assertThat(driftless("validate")).isEqualTo(1); // its own process: the log is seen too
        for (String command : List.of("plan", "apply")) {
            Cli.Result result = Cli.on(command, repo.dir(), root, "--age-key", keyFile.toString(), "--output", "json");
            assertThat(result.exitCode()).isEqualTo(1);
            outputs.add(result.toString());
        }

        String all = String.join("\n", outputs);
        assertThat(all).contains("services/app/", "template error (the message is withheld because this template"
                + " reads secrets)");
        for (String value : List.of(API_TOKEN, DB_PASSWORD)) {
            for (String shown : List.of(value, value.toUpperCase(Locale.ROOT), value.substring(1),
                    value.substring(1).toUpperCase(Locale.ROOT))) {
                for (int i = 0; i + 8 <= shown.length(); i++) {
                    assertThat(all).as("a part of a secret value").doesNotContain(shown.substring(i, i + 8));
                }
            }
        }
        assertThat(root.resolve("etc/app")).doesNotExist();
    }

    @Test
    void anErrorBeforeAnySecretIsReadKeepsItsHelpfulMessage() throws Exception {
        repo.write("services/app/app.conf.peb", "{{ undefined_thing }}\n{{ secret('api_token') }}\n");
        repo.commit("a typo before the secret");

        assertThat(driftless("validate")).isEqualTo(1);
        assertThat(outputs.get(0)).contains("services/app/app.conf.peb:1", "undefined template variable 'undefined_thing'");
    }

    @Test
    void aMacroImportedFromAnotherTemplateMayReadSecrets() throws Exception {
        repo.write("services/app/macros.peb", "{% macro token() %}{{ secret('api_token') }}{% endmacro %}");
        repo.write("services/app/app.conf.peb", "{% import 'macros.peb' %}token = {{ token() }}\n");
        repo.commit("a secret read through a macro");

        Cli.Result apply = Cli.on("apply", repo.dir(), root, "--age-key", keyFile.toString());

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(read(root.resolve("etc/app/app.conf"))).isEqualTo("token = " + API_TOKEN + "\n");
        assertThat(apply.out()).doesNotContain(API_TOKEN);

        // the line the macro wrote from the secret is masked, the edit beside it is shown
        repo.write("services/app/app.conf.peb", "{% import 'macros.peb' %}token = {{ token() }}\nedited = 1\n");
        repo.commit("an edit beside the secret");
        Cli.Result plan = Cli.on("plan", repo.dir(), root, "--age-key", keyFile.toString());
        assertThat(plan.out()).contains("~ /etc/app/app.conf", " " + SecretLines.MASK, "+edited = 1")
                .doesNotContain(API_TOKEN);
    }

    @Test
    void aFileFromASecretWithoutAModeIsWrittenForItsOwnerOnlyAndAWiderModeIsDrift() throws Exception {
        repo.write("services/app/service.yaml", """
                hosts: [app-1]
                files:
                  - path: /etc/app/app.conf
                    template: app.conf.peb
                  - path: /etc/app/token
                    secret: token.age
                  - path: /etc/app/shared.key
                    secret: tls.key.sops
                    mode: "0640"
                  - path: /etc/app/plain.txt
                    content: "nothing secret here\\n"
                """);
        repo.commit("no modes");

        Cli.Result apply = Cli.on("apply", repo.dir(), root, "--age-key", keyFile.toString());

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(mode("etc/app/app.conf")).isEqualTo("rw-------");
        assertThat(mode("etc/app/token")).isEqualTo("rw-------");
        assertThat(mode("etc/app/shared.key")).isEqualTo("rw-r-----");
        assertThat(mode("etc/app/plain.txt")).isEqualTo("rw-r--r--");

        Files.setPosixFilePermissions(root.resolve("etc/app/token"), PosixFilePermissions.fromString("rw-r--r--"));
        Cli.Result check = Cli.on("check", repo.dir(), root, "--age-key", keyFile.toString());
        assertThat(check.exitCode()).as(check.toString()).isEqualTo(2);
        assertThat(check.out()).contains("/etc/app/token");
    }

    private String mode(String path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve(path)));
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
