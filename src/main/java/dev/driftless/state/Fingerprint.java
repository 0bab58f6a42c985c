package dev.driftless.state;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Content fingerprints as the host state records them. A plain file is recorded by the hex SHA-256 of
 * its content. A file rendered from a secret never is: a short secret could be guessed from its bare
 * hash. It is recorded as {@code salted:<salt>:<digest>}, a PBKDF2 (HMAC-SHA256) digest of the content's
 * SHA-256 under a random salt, which can only be checked against a candidate, never read back.
 */
public final class Fingerprint {

    static final String SALTED = "salted:";
    // enough to make guessing a short secret slow; a check verifies only files whose stat changed
    private static final int ITERATIONS = 20_000;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private Fingerprint() {
    }

    /** Whether the fingerprint is a salted one (of a sensitive file). */
    public static boolean isSalted(String fingerprint) {
        return fingerprint != null && fingerprint.startsWith(SALTED);
    }

    /** A new salted fingerprint of content whose plain SHA-256 (hex) is given. */
    public static String salted(String sha256) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return SALTED + HEX.formatHex(salt) + ":" + HEX.formatHex(derive(sha256, salt));
    }

    /**
     * Whether two fingerprints can be told to describe the same content. Two salted ones match only when
     * identical (a stat-trusted read hands back the recorded fingerprint itself).
     */
    public static boolean same(String a, String b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (a.equals(b)) {
            return true;
        }
        if (isSalted(a) && !isSalted(b)) {
            return verify(a, b);
        }
        if (isSalted(b) && !isSalted(a)) {
            return verify(b, a);
        }
        return false;
    }

    private static boolean verify(String salted, String sha256) {
        String[] parts = salted.substring(SALTED.length()).split(":", -1);
        if (parts.length != 2) {
            return false;
        }
        try {
            byte[] expected = HEX.parseHex(parts[1]);
            return MessageDigest.isEqual(expected, derive(sha256, HEX.parseHex(parts[0])));
        } catch (IllegalArgumentException e) {
            return false; // a damaged fingerprint matches nothing: the file is planned again
        }
    }

    private static byte[] derive(String sha256, byte[] salt) {
        try {
            PBEKeySpec spec = new PBEKeySpec(sha256.toCharArray(), salt, ITERATIONS, 256);
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is missing from this Java runtime", e);
        }
    }
}
