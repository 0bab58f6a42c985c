package dev.driftless.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** Each forge's signature scheme, against vectors computed independently with javax.crypto (and GitHub's own). */
class WebhookVerifierTest {

    private static final byte[] SECRET = "s3cret-of-the-hooks".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BODY = "{\"ref\":\"refs/heads/main\",\"after\":\"3f2a9c1d\"}".getBytes(StandardCharsets.UTF_8);

    private static String hmacHex(byte[] secret, byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret, "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body));
    }

    @Test
    void githubsDocumentedExampleVerifies() {
        // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
        byte[] secret = "It's a Secret to Everybody".getBytes(StandardCharsets.UTF_8);
        byte[] body = "Hello, World!".getBytes(StandardCharsets.UTF_8);

        assertThat(WebhookVerifier.github(secret, body,
                "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")).isTrue();
    }

    @Test
    void githubNeedsThePrefixAndTheRightDigest() throws Exception {
        String hex = hmacHex(SECRET, BODY);

        assertThat(WebhookVerifier.github(SECRET, BODY, "sha256=" + hex)).isTrue();
        assertThat(WebhookVerifier.github(SECRET, BODY, "sha256=" + hex.toUpperCase())).isTrue();
        assertThat(WebhookVerifier.github(SECRET, BODY, hex)).isFalse();
        assertThat(WebhookVerifier.github(SECRET, BODY, "sha1=" + hex)).isFalse();
        assertThat(WebhookVerifier.github(SECRET, BODY, "sha256=" + hex.substring(2))).isFalse();
        assertThat(WebhookVerifier.github(SECRET, BODY, "sha256=")).isFalse();
        assertThat(WebhookVerifier.github(SECRET, BODY, null)).isFalse();
        assertThat(WebhookVerifier.github("other".getBytes(StandardCharsets.UTF_8), BODY, "sha256=" + hex)).isFalse();
        byte[] tampered = BODY.clone();
        tampered[3] ^= 1;
        assertThat(WebhookVerifier.github(SECRET, tampered, "sha256=" + hex)).isFalse();
    }

    @Test
    void giteaAndForgejoSendTheBareHexDigest() throws Exception {
        String hex = hmacHex(SECRET, BODY);

        assertThat(WebhookVerifier.gitea(SECRET, BODY, hex)).isTrue();
        assertThat(WebhookVerifier.gitea(SECRET, BODY, "sha256=" + hex)).isFalse();
        assertThat(WebhookVerifier.gitea(SECRET, BODY, hex.replace(hex.charAt(0), hex.charAt(0) == 'a' ? 'b' : 'a')))
                .isFalse();
        assertThat(WebhookVerifier.gitea(SECRET, BODY, "zz" + hex.substring(2))).isFalse();
        assertThat(WebhookVerifier.gitea(SECRET, BODY, null)).isFalse();
    }

    @Test
    void gitlabSendsTheSecretItself() {
        assertThat(WebhookVerifier.gitlab(SECRET, "s3cret-of-the-hooks")).isTrue();
        assertThat(WebhookVerifier.gitlab(SECRET, "s3cret-of-the-hook")).isFalse();
        assertThat(WebhookVerifier.gitlab(SECRET, "s3cret-of-the-hooks ")).isFalse();
        assertThat(WebhookVerifier.gitlab(SECRET, "")).isFalse();
        assertThat(WebhookVerifier.gitlab(SECRET, null)).isFalse();
    }

    @Test
    void genericUsesTheSha256PrefixLikeGithub() throws Exception {
        String hex = hmacHex(SECRET, BODY);

        assertThat(WebhookVerifier.generic(SECRET, BODY, "sha256=" + hex)).isTrue();
        assertThat(WebhookVerifier.generic(SECRET, new byte[0], "sha256=" + hmacHex(SECRET, new byte[0]))).isTrue();
        assertThat(WebhookVerifier.generic(SECRET, BODY, hex)).isFalse();
    }

    @Test
    void anEmptySecretNeverVerifiesAnything() throws Exception {
        byte[] empty = new byte[0];

        assertThat(WebhookVerifier.gitlab(empty, "")).isFalse();
        assertThat(WebhookVerifier.github(empty, BODY, "sha256=" + hmacHex("x".getBytes(StandardCharsets.UTF_8), BODY)))
                .isFalse();
        assertThat(WebhookVerifier.gitea(null, BODY, "00")).isFalse();
        assertThat(WebhookVerifier.sameSecret(empty, empty)).isFalse();
    }

    @Test
    void hexParsingTakesOnlyAsciiDigits() {
        assertThat(WebhookVerifier.parseHex("00ff7A")).containsExactly(0x00, 0xff, 0x7a);
        assertThat(WebhookVerifier.parseHex("0")).isNull();
        assertThat(WebhookVerifier.parseHex("")).isNull();
        assertThat(WebhookVerifier.parseHex("\u0661\u0662")).isNull(); // Arabic-Indic digits: Character.digit would take them
        assertThat(WebhookVerifier.parseHex("g0")).isNull();
    }
}
