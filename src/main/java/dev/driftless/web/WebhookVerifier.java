package dev.driftless.web;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks the signature each Git forge puts on its webhooks. Pure functions; every comparison takes the same
 * time whatever the first differing byte, so a caller cannot guess a signature byte by byte. A missing
 * (null) or malformed header, or an empty secret, never verifies.
 */
public final class WebhookVerifier {

    private static final String SHA256_PREFIX = "sha256=";

    private WebhookVerifier() {
    }

    /** GitHub: {@code X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>}. */
    public static boolean github(byte[] secret, byte[] body, String signatureHeader) {
        return prefixedHmac(secret, body, signatureHeader);
    }

    /** Gitea and Forgejo: {@code X-Gitea-Signature} / {@code X-Forgejo-Signature: <hex HMAC-SHA256>}, no prefix. */
    public static boolean gitea(byte[] secret, byte[] body, String signatureHeader) {
        if (signatureHeader == null) {
            return false;
        }
        return hmacMatches(secret, body, signatureHeader.trim());
    }

    /** GitLab: {@code X-Gitlab-Token} carries the secret itself. */
    public static boolean gitlab(byte[] secret, String tokenHeader) {
        if (secret == null || secret.length == 0 || tokenHeader == null) {
            return false;
        }
        return MessageDigest.isEqual(secret, tokenHeader.getBytes(StandardCharsets.UTF_8));
    }

    /** Anything else (a CI job, a script): {@code X-Signature: sha256=<hex HMAC-SHA256 of the body>}. */
    public static boolean generic(byte[] secret, byte[] body, String signatureHeader) {
        return prefixedHmac(secret, body, signatureHeader);
    }

    /** Whether two secrets (an API token and what a client sent) are equal, in constant time. */
    public static boolean sameSecret(byte[] expected, byte[] given) {
        if (expected == null || expected.length == 0 || given == null) {
            return false;
        }
        return MessageDigest.isEqual(expected, given);
    }

    /** The HMAC-SHA256 of the body under the secret. */
    public static byte[] hmacSha256(byte[] secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    private static boolean prefixedHmac(byte[] secret, byte[] body, String header) {
        if (header == null) {
            return false;
        }
        String value = header.trim();
        if (!value.regionMatches(true, 0, SHA256_PREFIX, 0, SHA256_PREFIX.length())) {
            return false;
        }
        return hmacMatches(secret, body, value.substring(SHA256_PREFIX.length()));
    }

    private static boolean hmacMatches(byte[] secret, byte[] body, String hex) {
        if (secret == null || secret.length == 0 || body == null) {
            return false;
        }
        byte[] given = parseHex(hex);
        if (given == null) {
            return false;
        }
        // MessageDigest.isEqual is constant-time for equal lengths; a wrong length reveals only the length
        return MessageDigest.isEqual(hmacSha256(secret, body), given);
    }

    /** The bytes of a hex string (either case), or null when it is not one. */
    static byte[] parseHex(String hex) {
        if (hex.isEmpty() || hex.length() % 2 != 0) {
            return null;
        }
        byte[] bytes = new byte[hex.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            int high = hexDigit(hex.charAt(2 * i));
            int low = hexDigit(hex.charAt(2 * i + 1));
            if (high < 0 || low < 0) {
                return null;
            }
            bytes[i] = (byte) (high << 4 | low);
        }
        return bytes;
    }

    /** An ASCII hex digit's value, or -1 (Character.digit would also take other scripts' digits). */
    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
