package dev.driftless.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The credentials bootstrap installs: read from files or standard input, checked, and carried over SSH whole. */
class CredentialsTest {

    private static final String AGE = "# created: today\nAGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n";
    private static final InputStream NO_INPUT = InputStream.nullInputStream();

    @TempDir
    Path tmp;

    private String file(String name, String content) throws Exception {
        return Files.writeString(tmp.resolve(name), content).toString();
    }

    @Test
    void aBundleCarriesEveryCredentialByteForByte() throws Exception {
        Credentials read = Credentials.read(Map.of(Credentials.Kind.AGE_KEY, file("age", AGE),
                Credentials.Kind.GIT_IDENTITY, file("id", "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n\n"),
                Credentials.Kind.GIT_KNOWN_HOSTS, file("kh", "git.example.org ssh-ed25519 AAAA\n")), NO_INPUT);

        Credentials carried = Credentials.unbundle(new ByteArrayInputStream(read.bundle()));

        assertThat(carried.kinds()).containsExactly(Credentials.Kind.AGE_KEY, Credentials.Kind.GIT_IDENTITY,
                Credentials.Kind.GIT_KNOWN_HOSTS);
        for (Credentials.Kind kind : carried.kinds()) {
            assertThat(carried.get(kind)).get().isEqualTo(read.get(kind).orElseThrow());
        }
        assertThat(carried.toString()).doesNotContain("AGE-SECRET-KEY", "abc");
    }

    @Test
    void oneCredentialIsReadFromStandardInput() throws Exception {
        Credentials read = Credentials.read(Map.of(Credentials.Kind.AGE_KEY, "-",
                Credentials.Kind.GIT_TOKEN, file("token", "t0ken\n")),
                new ByteArrayInputStream(AGE.getBytes(StandardCharsets.UTF_8)));

        assertThat(read.get(Credentials.Kind.AGE_KEY)).get().isEqualTo(AGE.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void twoCredentialsFromStandardInputAreRefused() {
        assertThatThrownBy(() -> Credentials.read(Map.of(Credentials.Kind.AGE_KEY, "-", Credentials.Kind.GIT_TOKEN, "-"),
                NO_INPUT)).hasMessageContaining("can be read from standard input ('-'): give the others as files");
    }

    @Test
    void aFileWithoutAnAgeIdentityIsRefusedWithoutSayingWhatItHolds() throws Exception {
        String wrong = file("wrong", "hunter2\n");

        assertThatThrownBy(() -> Credentials.read(Map.of(Credentials.Kind.AGE_KEY, wrong), NO_INPUT))
                .hasMessageContaining("--age-key " + wrong + " holds no age identity (a line AGE-SECRET-KEY-1...)")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void aDeployKeyWithoutTheServersKnownHostsIsRefused() throws Exception {
        String age = file("age", AGE);
        String identity = file("id", "-----BEGIN OPENSSH PRIVATE KEY-----\n");

        assertThatThrownBy(() -> Credentials.read(Map.of(Credentials.Kind.AGE_KEY, age,
                Credentials.Kind.GIT_IDENTITY, identity), NO_INPUT))
                .hasMessageContaining("--git-identity and --git-known-hosts go together");
    }

    @Test
    void withoutAnAgeKeyItSaysWhichOptionGivesIt() {
        assertThatThrownBy(() -> Credentials.read(Map.of(), NO_INPUT))
                .hasMessageContaining("--age-key FILE (or - for standard input) is required");
    }

    @Test
    void aTruncatedBundleIsRefused() throws Exception {
        byte[] bundle = Credentials.read(Map.of(Credentials.Kind.AGE_KEY, file("age", AGE)), NO_INPUT).bundle();

        assertThatThrownBy(() -> Credentials.unbundle(new ByteArrayInputStream(bundle, 0, bundle.length - 10)))
                .hasMessageContaining("end too early");
    }
}
