package dev.driftless.secrets.sops;

import static dev.driftless.secrets.sops.Fixtures.ALICE;
import static dev.driftless.secrets.sops.Fixtures.BOB;
import static dev.driftless.secrets.sops.Fixtures.FIXTURE_PLAINTEXT;
import static dev.driftless.secrets.sops.Fixtures.fixtureIdentity;
import static dev.driftless.secrets.sops.Fixtures.identity;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.driftless.secrets.SecretException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Any change to an encrypted file after encryption is refused, and no message gives a secret away. */
class SopsTamperTest {

    private static final Pattern ENC = Pattern.compile("ENC\\[AES256_GCM,data:([^,]+),iv:[^,]+,tag:[^,]+,type:[a-z]+\\]");
    private static final String SECRET_ONE = "first-Secret-9f8e";
    private static final String SECRET_TWO = "second-Secret-1a2b";

    /** The age fixtures, the format to read each with, and how its one secret's key is written. */
    static Stream<Arguments> fixtures() {
        return Stream.of(
                Arguments.of("secret.age.yaml", SopsFormat.YAML, "  key: ENC", "  kee: ENC"),
                Arguments.of("env.age.env", SopsFormat.DOTENV, "key=ENC", "kee=ENC"),
                Arguments.of("file.age.json", SopsFormat.JSON, "\"data\": \"ENC", "\"datb\": \"ENC"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void flippedCiphertextCharacterIsRefused(String name, SopsFormat format, String keyText, String renamed) {
        String changed = flipFirstDataCharacter(Fixtures.text(name));

        SecretException e = refused(changed, format, name, fixtureIdentity());
        assertThat(e.getMessage()).contains(name).contains("cannot decrypt the secret at");
        assertNoLeak(e, FIXTURE_PLAINTEXT);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void renamedKeyIsRefused(String name, SopsFormat format, String keyText, String renamed) {
        String text = Fixtures.text(name);
        assertThat(text).contains(keyText);

        SecretException e = refused(text.replace(keyText, renamed), format, name, fixtureIdentity());
        assertThat(e.getMessage()).contains(name);
        assertNoLeak(e, FIXTURE_PLAINTEXT);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void deletedMacIsRefused(String name, SopsFormat format, String keyText, String renamed) {
        String text = Fixtures.text(name);
        String without = text.lines()
                .filter(line -> !line.strip().startsWith("mac:") && !line.strip().startsWith("\"mac\":")
                        && !line.startsWith("sops_mac="))
                .collect(Collectors.joining("\n", "", "\n"));
        assertThat(without).isNotEqualTo(text);

        SecretException e = refused(without, format, name, fixtureIdentity());
        assertThat(e.getMessage()).contains(name).contains("MAC");
        assertNoLeak(e, FIXTURE_PLAINTEXT);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void changedLastModifiedIsRefused(String name, SopsFormat format, String keyText, String renamed) {
        String text = Fixtures.text(name);
        assertThat(text).contains("2024-11-12T13:33:42Z");

        SecretException e = refused(text.replace("2024-11-12T13:33:42Z", "2024-11-12T13:33:43Z"), format, name,
                fixtureIdentity());
        assertThat(e.getMessage()).contains("MAC mismatch");
        assertNoLeak(e, FIXTURE_PLAINTEXT);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void anotherIdentityHasNoKey(String name, SopsFormat format, String keyText, String renamed) {
        SecretException e = refused(Fixtures.text(name), format, name, identity(BOB));

        assertThat(e.getMessage()).contains(name)
                .contains("no age recipient you hold a key for")
                .contains(Fixtures.FIXTURE_RECIPIENT)
                .contains(BOB.recipient());
        assertThat(e.getMessage()).doesNotContain(BOB.identity());
        assertNoLeak(e, FIXTURE_PLAINTEXT);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void noIdentityAtAllHasNoKey(String name, SopsFormat format, String keyText, String renamed) {
        SecretException e = refused(Fixtures.text(name), format, name, AgeIdentities.none());
        assertThat(e.getMessage()).contains("no age recipient you hold a key for").contains("no key");
    }

    @Test
    void changedPlainValueIsRefusedByTheMac() {
        // encrypted_regex leaves metadata.name in the clear, but the MAC covers it.
        String text = Fixtures.text("secret.age.yaml").replace("  name: age", "  name: agf");

        SecretException e = refused(text, SopsFormat.YAML, "secret.age.yaml", fixtureIdentity());
        assertThat(e.getMessage()).contains("MAC mismatch");
    }

    @ParameterizedTest
    @EnumSource(value = SopsFormat.class, names = {"YAML", "JSON", "DOTENV"})
    void swappedValuesOfTwoKeysAreRefused(SopsFormat format) throws SecretException {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("one", SECRET_ONE);
        tree.put("two", SECRET_TWO);
        String text = encrypt(tree, format);
        List<String> values = encValues(text);
        assertThat(values).hasSize(3); // two values and the mac

        String swapped = text.replace(values.get(0), "@@").replace(values.get(1), values.get(0))
                .replace("@@", values.get(1));

        SecretException e = refused(swapped, format, "two." + format, identity(ALICE));
        assertThat(e.getMessage()).contains("cannot decrypt the secret at one");
        assertNoLeak(e, SECRET_ONE, SECRET_TWO);
    }

    @ParameterizedTest
    @EnumSource(value = SopsFormat.class, names = {"YAML", "JSON"})
    void swappedListItemsAreRefusedByTheMac(SopsFormat format) throws SecretException {
        // Items of one list share their additional data, so only the MAC (which hashes in order) sees a swap.
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("list", new ArrayList<>(List.of(SECRET_ONE, SECRET_TWO)));
        String text = encrypt(tree, format);
        List<String> values = encValues(text);

        String swapped = text.replace(values.get(0), "@@").replace(values.get(1), values.get(0))
                .replace("@@", values.get(1));
        assertThat(Sops.decrypt(text.getBytes(StandardCharsets.UTF_8), format, "list", identity(ALICE)).tree())
                .isEqualTo(tree);

        SecretException e = refused(swapped, format, "list." + format, identity(ALICE));
        assertThat(e.getMessage()).contains("MAC mismatch");
        assertNoLeak(e, SECRET_ONE, SECRET_TWO);
    }

    @ParameterizedTest
    @EnumSource(value = SopsFormat.class, names = {"YAML", "JSON", "DOTENV"})
    void valueReplacedByPlaintextIsRefused(SopsFormat format) throws SecretException {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("one", SECRET_ONE);
        String text = encrypt(tree, format);
        String replaced = text.replace(encValues(text).get(0), SECRET_TWO);

        SecretException e = refused(replaced, format, "plain." + format, identity(ALICE));
        assertThat(e.getMessage()).contains("should be encrypted");
        assertNoLeak(e, SECRET_ONE, SECRET_TWO);
    }

    @Test
    void addedKeyIsRefusedByTheMac() throws SecretException {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("one", SECRET_ONE);
        tree.put("public_unencrypted", "x");
        String text = encrypt(tree, SopsFormat.YAML).replace("public_unencrypted: x",
                "public_unencrypted: x\nextra_unencrypted: y");

        assertThat(refused(text, SopsFormat.YAML, "added.yaml", identity(ALICE)).getMessage()).contains("MAC mismatch");
    }

    @Test
    void damagedWrappedDataKeyIsReported() {
        String text = Fixtures.text("secret.age.yaml").replace("YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBZeHVS",
                "YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBZeHVT");

        SecretException e = refused(text, SopsFormat.YAML, "secret.age.yaml", fixtureIdentity());
        assertThat(e.getMessage()).contains("no age recipient you hold a key for");
    }

    private static String encrypt(Map<String, Object> tree, SopsFormat format) throws SecretException {
        return new String(Sops.encrypt(tree, format, SopsRules.forRecipients(List.of(ALICE.recipient()))),
                StandardCharsets.UTF_8);
    }

    private static List<String> encValues(String text) {
        List<String> values = new ArrayList<>();
        Matcher m = ENC.matcher(text);
        while (m.find()) {
            values.add(m.group());
        }
        return values;
    }

    private static String flipFirstDataCharacter(String text) {
        Matcher m = ENC.matcher(text);
        assertThat(m.find()).isTrue();
        int at = m.start(1);
        char replacement = text.charAt(at) == 'A' ? 'B' : 'A';
        return text.substring(0, at) + replacement + text.substring(at + 1);
    }

    private static SecretException refused(String text, SopsFormat format, String name, AgeIdentities ids) {
        SecretException e = catchThrowableOfType(SecretException.class,
                () -> Sops.decrypt(text.getBytes(StandardCharsets.UTF_8), format, name, ids));
        assertThat(e).as("decrypting the changed %s must fail", name).isNotNull();
        assertThat(e.getMessage()).doesNotContain("ENC[").doesNotContain("AGE-SECRET-KEY");
        return e;
    }

    private static void assertNoLeak(Throwable e, String... secrets) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            for (String secret : secrets) {
                assertThat(String.valueOf(t.getMessage())).doesNotContain(secret);
            }
        }
    }
}
