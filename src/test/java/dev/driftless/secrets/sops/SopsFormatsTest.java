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

/** Reading and writing each format the way sops (Go) does, and errors that name the place but not the secret. */
class SopsFormatsTest {

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void formatFollowsTheFileName() {
        assertThat(SopsFormat.forFileName("secrets.yaml")).isEqualTo(SopsFormat.YAML);
        assertThat(SopsFormat.forFileName("a/b/secrets.sops.yml")).isEqualTo(SopsFormat.YAML);
        assertThat(SopsFormat.forFileName("values.yaml.enc")).isEqualTo(SopsFormat.YAML);
        assertThat(SopsFormat.forFileName("config.JSON")).isEqualTo(SopsFormat.JSON);
        assertThat(SopsFormat.forFileName("app.env")).isEqualTo(SopsFormat.DOTENV);
        assertThat(SopsFormat.forFileName(".env")).isEqualTo(SopsFormat.DOTENV);
        assertThat(SopsFormat.forFileName("tls.key.sops")).isEqualTo(SopsFormat.BINARY);
        assertThat(SopsFormat.forFileName("token")).isEqualTo(SopsFormat.BINARY);
        assertThat(SopsFormat.forFileName("yaml")).isEqualTo(SopsFormat.BINARY);
    }

    @Test
    void yamlScalarsAreTypedAsGoYamlTypesThem() throws SecretException {
        Map<String, Object> tree = Sops.parsePlain(utf8("""
                octal: 0777
                underscores: 1_000
                notOctal: 08
                date: 2024-01-01
                stamp: 2024-11-12T13:33:42Z
                oldBool: yes
                on: off
                exp: 1e3
                dot: .5
                tilde: ~
                hex: 0x1F
                quoted: '1'
                bool: True
                o: 0o17
                bin: -0b101
                inf: -.inf
                version: 3.9.0
                big: 99999999999999999999999
                empty:
                """), SopsFormat.YAML, "t.yaml");

        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("octal", 511L);
        expected.put("underscores", 1000L);
        expected.put("notOctal", 8.0);
        expected.put("date", "2024-01-01");
        expected.put("stamp", "2024-11-12T13:33:42Z");
        expected.put("oldBool", "yes");
        expected.put("on", "off");
        expected.put("exp", 1000.0);
        expected.put("dot", 0.5);
        expected.put("tilde", null);
        expected.put("hex", 31L);
        expected.put("quoted", "1");
        expected.put("bool", true);
        expected.put("o", 15L);
        expected.put("bin", -5L);
        expected.put("inf", Double.NEGATIVE_INFINITY);
        expected.put("version", "3.9.0");
        expected.put("big", 1e23);
        expected.put("empty", null);
        assertThat(tree).isEqualTo(expected);
        assertThat(tree.keySet()).containsExactlyElementsOf(expected.keySet());
    }

    @Test
    void yamlQuotesStringsThatWouldReadAsSomethingElse() throws SecretException {
        Map<String, Object> tree = new LinkedHashMap<>();
        for (String s : List.of("yes", "on", "0777", "1_000", "2024-01-01", "true", "1.5", "null", "", "1:20", "~")) {
            tree.put("k" + tree.size(), s);
        }
        tree.put("true", "key that reads as a boolean");
        String yaml = new String(Sops.emitPlain(tree, SopsFormat.YAML), StandardCharsets.UTF_8);

        assertThat(yaml).contains("k0: \"yes\"\n").contains("k4: \"2024-01-01\"\n").contains("k8: \"\"\n")
                .contains("\"true\": key that reads as a boolean\n");
        assertThat(Sops.parsePlain(utf8(yaml), SopsFormat.YAML, "t.yaml")).isEqualTo(tree);
    }

    @Test
    void yamlIsWrittenInBlockStyleWithTwoSpaces() throws SecretException {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("list", List.of(Map.of("name", "a"), "b"));
        tree.put("map", Map.of("x", 1L));
        tree.put("multi", "line one\nline two\n");
        assertThat(new String(Sops.emitPlain(tree, SopsFormat.YAML), StandardCharsets.UTF_8)).isEqualTo("""
                list:
                  - name: a
                  - b
                map:
                  x: 1
                multi: |
                  line one
                  line two
                """);
    }

    @Test
    void yamlErrorsNameTheLineButNotTheSecret() {
        assertThatThrownBy(() -> Sops.parsePlain(utf8("user: admin\npassword: [hunter2\n"), SopsFormat.YAML,
                "db.yaml"))
                .isInstanceOf(SecretException.class)
                .hasMessageContaining("db.yaml").hasMessageContaining("line ")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> Sops.parsePlain(utf8("a: 1\n---\nb: 2\n"), SopsFormat.YAML, "multi.yaml"))
                .hasMessageContaining("2 YAML documents");
        assertThatThrownBy(() -> Sops.parsePlain(utf8("a: 1\n5: x\n"), SopsFormat.YAML, "keys.yaml"))
                .hasMessageContaining("not a string").hasMessageContaining("line 2");
        assertThatThrownBy(() -> Sops.parsePlain(utf8("a: 1\na: 2\n"), SopsFormat.YAML, "dup.yaml"))
                .hasMessageContaining("appears twice").hasMessageContaining("line 2");
        assertThatThrownBy(() -> Sops.parsePlain(utf8("- a\n"), SopsFormat.YAML, "seq.yaml"))
                .hasMessageContaining("must be a mapping");
        assertThatThrownBy(() -> Sops.parsePlain(utf8("big: 18446744073709551615\n"), SopsFormat.YAML, "big.yaml"))
                .hasMessageContaining("quote it");
        assertThatThrownBy(() -> Sops.parsePlain(utf8("a: &x [*x]\n"), SopsFormat.YAML, "loop.yaml"))
                .hasMessageContaining("loop.yaml").hasMessageContaining("contains it");
        StringBuilder bomb = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i < 8; i++) {
            bomb.append("a").append(i).append(": &a").append(i).append(" [")
                    .append(String.join(", ", java.util.Collections.nCopies(8, "*a" + (i - 1)))).append("]\n");
        }
        assertThatThrownBy(() -> Sops.parsePlain(utf8(bomb.toString()), SopsFormat.YAML, "bomb.yaml"))
                .hasMessageContaining("aliases");
    }

    @Test
    void deeplyNestedYamlIsRefusedWithItsLineNotAStackOverflow() {
        String deep = "user: admin\npassword: " + "[".repeat(20_000) + "hunter2" + "]".repeat(20_000) + "\n";

        assertThatThrownBy(() -> Sops.parsePlain(utf8(deep), SopsFormat.YAML, "services/app/secret.yaml"))
                .isInstanceOf(SecretException.class)
                .hasMessageStartingWith("services/app/secret.yaml:2: password")
                .hasMessageContaining("more than 64 levels deep")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void yamlAliasesUnderTheAliasLimitThatExpandToAMillionValuesAreRefused() {
        // 21 aliases (under snakeyaml's 50) that stand for 2^20 values: expanded, they would fill the heap
        StringBuilder bomb = new StringBuilder("a0: &a0 [hunter2]\n");
        for (int i = 1; i <= 20; i++) {
            bomb.append("a").append(i).append(": &a").append(i).append(" [*a").append(i - 1).append(", *a")
                    .append(i - 1).append("]\n");
        }

        assertThatThrownBy(() -> Sops.parsePlain(utf8(bomb.toString()), SopsFormat.YAML, "bomb.yaml"))
                .isInstanceOf(SecretException.class)
                .hasMessageStartingWith("bomb.yaml:17: a16: expands to more than 100,000 YAML nodes")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void yamlAliasesAreExpandedAndEmptyFilesAreEmpty() throws SecretException {
        assertThat(Sops.parsePlain(utf8("base: &b {x: 1}\ncopy: *b\n"), SopsFormat.YAML, "a.yaml"))
                .isEqualTo(Map.of("base", Map.of("x", 1L), "copy", Map.of("x", 1L)));
        assertThat(Sops.parsePlain(utf8(""), SopsFormat.YAML, "e.yaml")).isEmpty();
        assertThat(Sops.parsePlain(utf8("# only a comment\n"), SopsFormat.YAML, "e.yaml")).isEmpty();
    }

    @Test
    void jsonKeepsOrderAndNumberKinds() throws SecretException {
        Map<String, Object> tree = Sops.parsePlain(utf8("{\"b\": 1, \"a\": 1.5, \"c\": 12345678901234567890,"
                + " \"d\": [true, null, \"x\"], \"e\": {}}"), SopsFormat.JSON, "x.json");

        assertThat(tree.keySet()).containsExactly("b", "a", "c", "d", "e");
        assertThat(tree.get("b")).isEqualTo(1L);
        assertThat(tree.get("a")).isEqualTo(1.5);
        assertThat(tree.get("c")).isEqualTo(1.2345678901234567e19);
        assertThat(new String(Sops.emitPlain(tree, SopsFormat.JSON), StandardCharsets.UTF_8)).isEqualTo("""
                {
                \t"b": 1,
                \t"a": 1.5,
                \t"c": 12345678901234567000,
                \t"d": [
                \t\ttrue,
                \t\tnull,
                \t\t"x"
                \t],
                \t"e": {}
                }
                """);
    }

    @Test
    void jsonEscapesLikeGo() throws SecretException {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("s", "<a href=\"x\">&</a>\n\t\u0001é");
        assertThat(new String(Sops.emitPlain(tree, SopsFormat.JSON), StandardCharsets.UTF_8))
                .isEqualTo("{\n\t\"s\": \"\\u003ca href=\\\"x\\\"\\u003e\\u0026\\u003c/a\\u003e\\n\\t\\u0001é\"\n}\n");
        assertThat(Sops.parsePlain(Sops.emitPlain(tree, SopsFormat.JSON), SopsFormat.JSON, "x")).isEqualTo(tree);
    }

    @Test
    void jsonErrorsNameTheLineButNotTheSecret() {
        assertThatThrownBy(() -> Sops.parsePlain(utf8("{\n  \"password\": hunter2\n}"), SopsFormat.JSON, "db.json"))
                .hasMessageContaining("db.json").hasMessageContaining("line 2").hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> Sops.parsePlain(utf8("[1]"), SopsFormat.JSON, "a.json"))
                .hasMessageContaining("must be an object");
        assertThatThrownBy(() -> Sops.parsePlain(utf8("{\"a\": 1, \"a\": 2}"), SopsFormat.JSON, "d.json"))
                .hasMessageContaining("appears twice");
    }

    @Test
    void dotenvIsReadLiterally() throws SecretException {
        Map<String, Object> tree = Sops.parsePlain(utf8("# comment\nA=1\n\nB=x=y\nC=\"quoted\"\nD=two\\nlines\nE=\n"),
                SopsFormat.DOTENV, "a.env");

        assertThat(tree).containsExactly(Map.entry("A", "1"), Map.entry("B", "x=y"), Map.entry("C", "\"quoted\""),
                Map.entry("D", "two\nlines"), Map.entry("E", ""));
        assertThat(new String(Sops.emitPlain(tree, SopsFormat.DOTENV), StandardCharsets.UTF_8))
                .isEqualTo("A=1\nB=x=y\nC=\"quoted\"\nD=two\\nlines\nE=\n");
    }

    @Test
    void dotenvErrorsNameTheLineButNotTheSecret() {
        assertThatThrownBy(() -> Sops.parsePlain(utf8("A=1\nhunter2\n"), SopsFormat.DOTENV, "a.env"))
                .hasMessageContaining("a.env line 2").hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> Sops.parsePlain(utf8("A=1\nA=2\n"), SopsFormat.DOTENV, "a.env"))
                .hasMessageContaining("appears twice");
        assertThatThrownBy(() -> Sops.encrypt(new LinkedHashMap<>(Map.of("A", Map.of("x", "y"))), SopsFormat.DOTENV,
                SopsRules.forRecipients(List.of(ALICE.recipient())))).hasMessageContaining("not a string");
        assertThatThrownBy(() -> Sops.encrypt(new LinkedHashMap<>(Map.of("sops_x", "y")), SopsFormat.DOTENV,
                SopsRules.forRecipients(List.of(ALICE.recipient())))).hasMessageContaining("reserved");
    }

    @Test
    void encryptedDotenvCommentsAreDecryptedInThePlaintext() throws SecretException {
        // sops encrypts dotenv comments as values of type "comment" with additional data ":".
        byte[] file = Sops.encrypt(new LinkedHashMap<>(Map.of("A", "1")), SopsFormat.DOTENV,
                SopsRules.forRecipients(List.of(ALICE.recipient())));
        SopsFile decrypted = Sops.decrypt(file, SopsFormat.DOTENV, "a.env", identity(ALICE));
        assertThat(new String(decrypted.plaintext(), StandardCharsets.UTF_8)).isEqualTo("A=1\n");

        String withComment = "#plain note\n" + new String(file, StandardCharsets.UTF_8);
        SopsFile commented = Sops.decrypt(utf8(withComment), SopsFormat.DOTENV, "a.env", identity(ALICE));
        assertThat(new String(commented.plaintext(), StandardCharsets.UTF_8)).isEqualTo("#plain note\nA=1\n");
        assertThat(commented.tree()).isEqualTo(Map.of("A", "1"));
    }

    @Test
    void reservedSopsKeyIsRefused() {
        assertThatThrownBy(() -> Sops.encrypt(new LinkedHashMap<>(Map.of("sops", "x")), SopsFormat.YAML,
                SopsRules.forRecipients(List.of(ALICE.recipient())))).hasMessageContaining("reserved");
    }

    @Test
    void unsupportedValueTypesAreRefused() {
        Map<String, Object> tree = new LinkedHashMap<>(Map.of("when", new java.util.Date()));
        assertThatThrownBy(() -> Sops.encrypt(tree, SopsFormat.YAML, SopsRules.forRecipients(List.of(
                ALICE.recipient())))).hasMessageContaining("when").hasMessageContaining("Date");
    }

    @Test
    void integersAndFloatsOfOtherWidthsAreAccepted() throws SecretException {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("i", 7);
        tree.put("f", 0.1f);
        byte[] file = Sops.encrypt(tree, SopsFormat.YAML, SopsRules.forRecipients(List.of(ALICE.recipient())));
        assertThat(Sops.decrypt(file, SopsFormat.YAML, "a.yaml", identity(ALICE)).tree())
                .isEqualTo(Map.of("i", 7L, "f", 0.1));
    }

    @Test
    void binaryPlainDataKeepsItsBytes() throws SecretException {
        byte[] data = {0, (byte) 0xff, (byte) 0xc3, 'a'};
        Map<String, Object> tree = Sops.parsePlain(data, SopsFormat.BINARY, "blob");
        assertThat(tree.get("data")).isEqualTo(data);
        assertThat(Sops.parsePlain(utf8("text"), SopsFormat.BINARY, "blob")).isEqualTo(Map.of("data", "text"));
        assertThat(Sops.emitPlain(tree, SopsFormat.BINARY)).isEqualTo(data);
    }

    @Test
    void goNumberText() {
        assertThat(GoText.formatFloatF(1.0)).isEqualTo("1");
        assertThat(GoText.formatFloatF(0.1)).isEqualTo("0.1");
        assertThat(GoText.formatFloatF(-0.0)).isEqualTo("-0");
        assertThat(GoText.formatFloatF(1e21)).isEqualTo("1000000000000000000000");
        assertThat(GoText.formatFloatF(1e-7)).isEqualTo("0.0000001");
        assertThat(GoText.formatFloatF(123.456)).isEqualTo("123.456");
        assertThat(GoText.formatFloatF(2e-3)).isEqualTo("0.002");
        assertThat(GoText.formatFloatF(Double.POSITIVE_INFINITY)).isEqualTo("+Inf");
        assertThat(GoText.jsonFloat(1e21)).isEqualTo("1e+21");
        assertThat(GoText.jsonFloat(1.5e-7)).isEqualTo("1.5e-7");
        assertThat(GoText.jsonFloat(1e100)).isEqualTo("1e+100");
        assertThat(GoText.toText(true)).isEqualTo("True");
        assertThat(GoText.toText(false)).isEqualTo("False");
        assertThat(GoText.parseFloat("+Inf")).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(GoText.rfc3339("2024-11-12T13:33:42.5+00:00")).isEqualTo("2024-11-12T13:33:42Z");
        assertThat(GoText.rfc3339("2024-11-12T15:33:42+02:00")).isEqualTo("2024-11-12T15:33:42+02:00");
        assertThat(GoText.now()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
    }
}
