package dev.driftless.secrets.sops;

import dev.driftless.secrets.SecretException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The walk sops makes over a tree to encrypt or decrypt its values and compute the MAC: keys in file order, list
 * items under their list's path, nulls skipped, and the encrypt/leave-plain choice made per value from its path.
 */
final class TreeCrypt {

    /** sha256("sops"): the MAC starts with it when only encrypted values are hashed, so the two MACs differ. */
    private static final byte[] MAC_ONLY_ENCRYPTED_INIT = HexFormat.of().parseHex(
            "8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69");

    /** Compiled encryption rules. */
    static final class Rules {
        private final String unencryptedSuffix;
        private final String encryptedSuffix;
        private final Pattern unencryptedRegex;
        private final Pattern encryptedRegex;
        final boolean macOnlyEncrypted;

        Rules(Metadata m, String file) throws SecretException {
            if (!m.unencryptedCommentRegex.isEmpty() || !m.encryptedCommentRegex.isEmpty()) {
                throw new SecretException(file + " uses unencrypted_comment_regex or encrypted_comment_regex, which"
                        + " Driftless does not support; re-encrypt it with a key or suffix rule instead");
            }
            this.unencryptedSuffix = m.unencryptedSuffix;
            this.encryptedSuffix = m.encryptedSuffix;
            this.unencryptedRegex = compile(m.unencryptedRegex, "unencrypted_regex", file);
            this.encryptedRegex = compile(m.encryptedRegex, "encrypted_regex", file);
            this.macOnlyEncrypted = m.macOnlyEncrypted;
        }

        private static Pattern compile(String regex, String name, String file) throws SecretException {
            if (regex.isEmpty()) {
                return null;
            }
            try {
                // Go spells named groups (?P<name>...), Java (?<name>...).
                return Pattern.compile(regex.replace("(?P<", "(?<"));
            } catch (PatternSyntaxException e) {
                throw new SecretException(file + ": " + name + " '" + regex + "' is not a valid regular expression");
            }
        }

        /** sops's shouldBeEncrypted: any key on the path decides; regexes match anywhere in a key. */
        boolean shouldEncrypt(List<String> path) {
            boolean encrypted = true;
            if (!unencryptedSuffix.isEmpty()) {
                for (String key : path) {
                    if (key.endsWith(unencryptedSuffix)) {
                        encrypted = false;
                        break;
                    }
                }
            }
            if (!encryptedSuffix.isEmpty()) {
                encrypted = false;
                for (String key : path) {
                    if (key.endsWith(encryptedSuffix)) {
                        encrypted = true;
                        break;
                    }
                }
            }
            if (unencryptedRegex != null) {
                for (String key : path) {
                    if (unencryptedRegex.matcher(key).find()) {
                        encrypted = false;
                        break;
                    }
                }
            }
            if (encryptedRegex != null) {
                encrypted = false;
                for (String key : path) {
                    if (encryptedRegex.matcher(key).find()) {
                        encrypted = true;
                        break;
                    }
                }
            }
            return encrypted;
        }
    }

    /** A walked tree: the other side's values and the MAC (uppercase hex SHA-512). */
    record Result(Map<String, Object> tree, String mac) {
        @Override
        public String toString() {
            return "Result";
        }
    }

    private final byte[] key;
    private final Rules rules;
    private final String file;
    /** Ciphertexts by (path, type, plaintext): decryption fills it, re-encryption reuses what is unchanged. */
    private final Map<String, String> stash;
    private final MessageDigest digest;
    private final boolean jsonNumbers;
    private final List<String> path = new ArrayList<>();
    private final List<String> shownPath = new ArrayList<>();

    /**
     * @param jsonNumbers read an encrypted integral float (up to 2^53, where its text is the integer's) as a Long,
     *     as JSON does: sops 3.9 read every JSON number as a float, so its files hold 5432 as type float, which
     *     must come back as the integer it was
     */
    TreeCrypt(byte[] key, Rules rules, String file, Map<String, String> stash, boolean jsonNumbers) {
        this.jsonNumbers = jsonNumbers;
        this.key = key;
        this.rules = rules;
        this.file = file;
        this.stash = stash;
        try {
            this.digest = MessageDigest.getInstance("SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if (rules.macOnlyEncrypted) {
            digest.update(MAC_ONLY_ENCRYPTED_INIT);
        }
    }

    /** Additional data for a value: the path's keys joined with ':' and a trailing ':'. */
    static String additionalData(List<String> path) {
        return String.join(":", path) + ":";
    }

    /** Where a value is, for messages: "stringData.key", "items[2].name". */
    private String shown() {
        return shownPath.isEmpty() ? "(top level)" : String.join("", shownPath).replaceFirst("^\\.", "");
    }

    // ---- decryption ----------------------------------------------------------------------------------------

    Result decrypt(Map<String, Object> tree) throws SecretException {
        Map<String, Object> out = decryptMap(tree);
        return new Result(out, mac());
    }

    private Map<String, Object> decryptMap(Map<String, Object> map) throws SecretException {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : map.entrySet()) {
            path.add(e.getKey());
            shownPath.add("." + e.getKey());
            out.put(e.getKey(), decryptValue(e.getValue()));
            path.remove(path.size() - 1);
            shownPath.remove(shownPath.size() - 1);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private Object decryptValue(Object value) throws SecretException {
        if (value == null) {
            return null;
        }
        if (value instanceof Map<?, ?> map) {
            return decryptMap((Map<String, Object>) map);
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                shownPath.add("[" + i + "]");
                out.add(decryptValue(list.get(i)));
                shownPath.remove(shownPath.size() - 1);
            }
            return out;
        }
        boolean encrypted = rules.shouldEncrypt(path);
        Object plain;
        byte[] macBytes;
        if (!encrypted) {
            plain = value;
            macBytes = GoText.toBytes(value);
        } else if (!(value instanceof String text)) {
            throw new SecretException(file + ": the secret at " + shown() + " should be encrypted but is a plain "
                    + typeName(value) + "; the file was edited by hand or is corrupt");
        } else if (text.isEmpty()) {
            plain = "";
            macBytes = new byte[0];
        } else {
            String aad = additionalData(path);
            ValueCipher.Opened opened;
            try {
                opened = ValueCipher.decrypt(text, key, aad);
            } catch (ValueCipher.NotEncrypted e) {
                throw new SecretException(file + ": the secret at " + shown() + " should be encrypted but is not"
                        + " (it is not in the sops ENC form); the file was edited by hand: encrypt it again");
            } catch (GeneralSecurityException e) {
                throw new SecretException(file + ": cannot decrypt the secret at " + shown() + ": it was changed or"
                        + " moved to another key after encryption, or the file is corrupt");
            }
            byte[] raw = opened.plaintext();
            String textValue = utf8(raw);
            try {
                switch (opened.type()) {
                    case "str", "bytes", "time", "comment" -> {
                        plain = textValue != null ? textValue : raw;
                        macBytes = raw;
                    }
                    case "int" -> {
                        plain = GoText.parseInt(textValue);
                        macBytes = GoText.toBytes(plain);
                    }
                    case "float" -> {
                        double d = GoText.parseFloat(textValue);
                        macBytes = GoText.toBytes(d);
                        plain = d;
                        if (jsonNumbers && d == Math.rint(d) && Math.abs(d) <= (1L << 53)
                                && Double.doubleToRawLongBits(d) != Double.doubleToRawLongBits(-0.0)) {
                            plain = (long) d;
                            // Re-encrypting the unchanged integer keeps this ciphertext (the MAC text is the same).
                            stash.put(stashKey(additionalData(path), "int", macBytes), text);
                        }
                    }
                    case "bool" -> {
                        plain = GoText.parseBool(textValue);
                        macBytes = GoText.toBytes(plain);
                    }
                    default -> throw new SecretException(file + ": the secret at " + shown()
                            + " has a type sops does not define; the file is corrupt");
                }
            } catch (RuntimeException e) {
                throw new SecretException(file + ": the secret at " + shown() + " does not read as its sops type '"
                        + opened.type() + "'; the file is corrupt");
            }
            stash.put(stashKey(aad, opened.type(), raw), text);
        }
        if (!rules.macOnlyEncrypted || encrypted) {
            digest.update(macBytes);
        }
        return plain;
    }

    /** Decrypts a dotenv comment if it is encrypted; sops keeps a comment that does not decrypt as it is. */
    String decryptComment(String comment) {
        if (!rules.shouldEncrypt(List.of()) || !ValueCipher.isEncrypted(comment)) {
            return comment;
        }
        try {
            String text = utf8(ValueCipher.decrypt(comment, key, additionalData(List.of())).plaintext());
            return text != null ? text : comment;
        } catch (GeneralSecurityException | ValueCipher.NotEncrypted e) {
            return comment;
        }
    }

    // ---- encryption ----------------------------------------------------------------------------------------

    Result encrypt(Map<?, ?> tree) throws SecretException {
        Map<String, Object> out = encryptMap(tree);
        return new Result(out, mac());
    }

    private Map<String, Object> encryptMap(Map<?, ?> map) throws SecretException {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw new SecretException("a key under " + shown() + " is not a string; sops supports only string"
                        + " keys");
            }
            path.add(name);
            shownPath.add("." + name);
            out.put(name, encryptValue(e.getValue()));
            path.remove(path.size() - 1);
            shownPath.remove(shownPath.size() - 1);
        }
        return out;
    }

    private Object encryptValue(Object value) throws SecretException {
        if (value == null) {
            return null;
        }
        if (value instanceof Map<?, ?> map) {
            return encryptMap(map);
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                shownPath.add("[" + i + "]");
                out.add(encryptValue(list.get(i)));
                shownPath.remove(shownPath.size() - 1);
            }
            return out;
        }
        Object leaf = normalize(value);
        boolean encrypted = rules.shouldEncrypt(path);
        byte[] plaintext = GoText.toBytes(leaf);
        if (!rules.macOnlyEncrypted || encrypted) {
            digest.update(plaintext);
        }
        if (!encrypted) {
            return leaf;
        }
        if (plaintext.length == 0 && (leaf instanceof String || leaf instanceof byte[])) {
            return ""; // sops leaves empty strings as they are
        }
        String type = leaf instanceof Long ? "int" : leaf instanceof Double ? "float"
                : leaf instanceof Boolean ? "bool" : "str";
        String aad = additionalData(path);
        String stashKey = stashKey(aad, type, plaintext);
        String previous = stash.get(stashKey);
        if (previous != null) {
            return previous;
        }
        return ValueCipher.encrypt(type, plaintext, key, aad);
    }

    private Object normalize(Object value) throws SecretException {
        if (value instanceof String || value instanceof Long || value instanceof Double || value instanceof Boolean
                || value instanceof byte[]) {
            return value;
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof Float f) {
            return Double.valueOf(f.toString()); // 0.1f as 0.1, not 0.10000000149011612
        }
        throw new SecretException("the entry at " + shown() + " is a " + value.getClass().getSimpleName()
                + "; sops holds strings, numbers, booleans, null, lists and mappings");
    }

    // ---- shared --------------------------------------------------------------------------------------------

    private String mac() {
        return HexFormat.of().withUpperCase().formatHex(digest.digest());
    }

    private static String stashKey(String aad, String type, byte[] plaintext) {
        return aad + '\u0000' + type + '\u0000' + Base64.getEncoder().encodeToString(plaintext);
    }

    private static String typeName(Object value) {
        return value instanceof Boolean ? "boolean" : value instanceof Long || value instanceof Double ? "number"
                : "scalar";
    }

    /** The bytes as text, or null when they are not UTF-8. */
    static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
