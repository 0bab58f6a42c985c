package dev.driftless.secrets.sops;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * One sops value: {@code ENC[AES256_GCM,data:...,iv:...,tag:...,type:...]}, AES-256-GCM with a 32-byte IV and the
 * value's path as additional data, so a value moved to another key no longer decrypts.
 */
final class ValueCipher {

    /** The pattern sops matches values with: anchored at the start only, greedy groups. */
    private static final Pattern ENC = Pattern.compile("ENC\\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\\]");
    private static final int IV_BYTES = 32;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A decrypted value before it is typed: the sops type name and the plaintext bytes. */
    record Opened(String type, byte[] plaintext) {
        @Override
        public String toString() {
            return "Opened[type=" + type + "]";
        }
    }

    /** Thrown when the text is not in the ENC[...] syntax at all. */
    static final class NotEncrypted extends Exception {
        NotEncrypted() {
            super("not an ENC[...] value", null, false, false);
        }
    }

    private ValueCipher() {
    }

    static boolean isEncrypted(String value) {
        return ENC.matcher(value).lookingAt();
    }

    static Opened decrypt(String value, byte[] key, String additionalData)
            throws NotEncrypted, GeneralSecurityException {
        Matcher m = ENC.matcher(value);
        if (!m.lookingAt()) {
            throw new NotEncrypted();
        }
        byte[] data;
        byte[] iv;
        byte[] tag;
        try {
            Base64.Decoder decoder = Base64.getDecoder();
            data = decoder.decode(m.group(1));
            iv = decoder.decode(m.group(2));
            tag = decoder.decode(m.group(3));
        } catch (IllegalArgumentException e) {
            // A damaged base64 field is reported like any other failed authentication.
            throw new GeneralSecurityException("bad base64");
        }
        if (iv.length == 0) {
            throw new GeneralSecurityException("empty IV");
        }
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, iv));
        cipher.updateAAD(additionalData.getBytes(StandardCharsets.UTF_8));
        byte[] sealed = Arrays.copyOf(data, data.length + tag.length);
        System.arraycopy(tag, 0, sealed, data.length, tag.length);
        return new Opened(m.group(4), cipher.doFinal(sealed));
    }

    static String encrypt(String type, byte[] plaintext, byte[] key, String additionalData) {
        byte[] iv = new byte[IV_BYTES];
        RANDOM.nextBytes(iv);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(additionalData.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plaintext);
            int split = sealed.length - TAG_BITS / 8;
            Base64.Encoder encoder = Base64.getEncoder();
            return "ENC[AES256_GCM,data:" + encoder.encodeToString(Arrays.copyOf(sealed, split))
                    + ",iv:" + encoder.encodeToString(iv)
                    + ",tag:" + encoder.encodeToString(Arrays.copyOfRange(sealed, split, sealed.length))
                    + ",type:" + type + "]";
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM is not available in this JVM", e);
        }
    }

    static byte[] newDataKey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return key;
    }
}
