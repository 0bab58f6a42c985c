package dev.driftless.secrets.sops;

import dev.driftless.secrets.SecretException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads and writes sops files (getsops/sops, the 3.9 layout) natively, with age recipients: the values are
 * AES-256-GCM encrypted under a data key that is wrapped for each recipient, and a MAC over all values is checked
 * on every decryption. PGP entries are used for decryption with the keys in {@link AgeIdentities#pgp()}, and kept
 * but never added on writing. Not supported: KMS/Vault key sources (their entries are kept, never used), Shamir key
 * groups, comment regexes, multi-document YAML. Comments are not in the MAC and not in the tree, so re-encryption
 * drops them (YAML ones are dropped on reading too).
 */
public final class Sops {

    private Sops() {
    }

    /** A file as stored: the data values still encrypted, the metadata, and for dotenv its lines. */
    private record Stored(Map<String, Object> tree, Metadata metadata, List<DotenvCodec.Line> dotenvLines) {
        @Override
        public String toString() {
            return "Stored";
        }
    }

    /** Whether the content carries sops metadata (is a sops-encrypted file of that format). */
    public static boolean isEncrypted(byte[] content, SopsFormat format) {
        try {
            if (format == SopsFormat.DOTENV) {
                for (DotenvCodec.Line line : DotenvCodec.parse(text(content, ""), "")) {
                    if (line instanceof DotenvCodec.Entry e && Set.of("sops_mac", "sops_lastmodified", "sops_version")
                            .contains(e.key())) {
                        return true;
                    }
                }
                return false;
            }
            Map<String, Object> tree = format == SopsFormat.YAML ? YamlCodec.parse(text(content, ""), "")
                    : JsonCodec.parse(content, "");
            return tree.get("sops") instanceof Map<?, ?>;
        } catch (SecretException | RuntimeException e) {
            return false;
        }
    }

    /** Decrypts with whichever of our identities the file was encrypted for, and verifies its MAC. */
    public static SopsFile decrypt(byte[] content, SopsFormat format, String displayName, AgeIdentities ids)
            throws SecretException {
        Stored stored = load(content, format, displayName);
        byte[] dataKey = dataKey(stored.metadata(), ids, displayName);
        Map<String, String> stash = new HashMap<>();
        TreeCrypt crypt = new TreeCrypt(dataKey, new TreeCrypt.Rules(stored.metadata(), displayName), displayName,
                stash, format == SopsFormat.JSON);
        TreeCrypt.Result result = crypt.decrypt(stored.tree());
        verifyMac(stored.metadata(), dataKey, result.mac(), displayName);
        Map<String, Object> tree = result.tree();
        byte[] plaintext;
        switch (format) {
            case BINARY -> plaintext = binaryData(tree.get("data"));
            case DOTENV -> {
                List<DotenvCodec.Line> lines = new ArrayList<>();
                for (DotenvCodec.Line line : stored.dotenvLines()) {
                    if (line instanceof DotenvCodec.Comment c) {
                        lines.add(new DotenvCodec.Comment(crypt.decryptComment(c.text())));
                    } else {
                        DotenvCodec.Entry e = (DotenvCodec.Entry) line;
                        Object value = textOnly(tree.get(e.key()));
                        tree.put(e.key(), value);
                        lines.add(new DotenvCodec.Entry(e.key(), DotenvCodec.scalarText(e.key(), value), 0));
                    }
                }
                plaintext = DotenvCodec.emit(lines).getBytes(StandardCharsets.UTF_8);
            }
            default -> {
                tree = textOnly(tree);
                plaintext = emitPlain(tree, format);
            }
        }
        return new SopsFile(format, displayName, tree, plaintext, stored.metadata(), dataKey, stash);
    }

    /** Reads a file that is not encrypted; BINARY gives {"data": text}, or {"data": byte[]} if not UTF-8. */
    public static Map<String, Object> parsePlain(byte[] content, SopsFormat format, String displayName)
            throws SecretException {
        switch (format) {
            case YAML:
                return YamlCodec.parse(text(content, displayName), displayName);
            case JSON:
                return JsonCodec.parse(content, displayName);
            case DOTENV: {
                Map<String, Object> tree = new LinkedHashMap<>();
                for (DotenvCodec.Line line : DotenvCodec.parse(text(content, displayName), displayName)) {
                    if (line instanceof DotenvCodec.Entry e && tree.put(e.key(), e.value()) != null) {
                        throw new SecretException(displayName + " line " + e.lineNumber() + ": the key '" + e.key()
                                + "' appears twice");
                    }
                }
                return tree;
            }
            default: {
                Map<String, Object> tree = new LinkedHashMap<>();
                String text = TreeCrypt.utf8(content);
                tree.put("data", text != null ? text : content.clone());
                return tree;
            }
        }
    }

    /** Encrypts a tree under a new data key for the rules' recipients. */
    public static byte[] encrypt(Map<String, Object> tree, SopsFormat format, SopsRules rules)
            throws SecretException {
        List<String> recipients = recipients(rules.ageRecipients());
        Metadata metadata = Metadata.forRules(rules);
        metadata.defaultRules("the sops rules");
        byte[] dataKey = ValueCipher.newDataKey();
        for (String recipient : recipients) {
            metadata.age.add(new Metadata.AgeKey(recipient, wrap(dataKey, recipient)));
        }
        return seal(tree, format, metadata, dataKey, new HashMap<>());
    }

    /**
     * Re-encrypts an edited tree with the previous file's data key and key entries; a value whose plaintext and
     * path are unchanged keeps its exact previous ciphertext (as {@code sops edit} does), so unchanged values give
     * no diff. lastmodified and the MAC are renewed.
     */
    public static byte[] reencrypt(SopsFile previous, Map<String, Object> tree) throws SecretException {
        return seal(tree, previous.format(), previous.metadata().copy(), previous.dataKey(),
                new HashMap<>(previous.stash()));
    }

    /**
     * The same file (same data key, values, lastmodified and MAC) with the data key wrapped for exactly these
     * recipients, as {@code sops updatekeys} does; keys of other types are dropped. A recipient that already had an
     * entry keeps it. {@code previousContent} must be the file {@code previous} was decrypted from.
     */
    public static byte[] updateKeys(SopsFile previous, byte[] previousContent, List<String> recipients)
            throws SecretException {
        List<String> wanted = recipients(recipients);
        String file = previous.displayName();
        Stored stored = load(previousContent, previous.format(), file);
        // The content must be the very file the data key came from, and unchanged: verify it fully.
        TreeCrypt check = new TreeCrypt(previous.dataKey(), new TreeCrypt.Rules(stored.metadata(), file), file,
                new HashMap<>(), false);
        verifyMac(stored.metadata(), previous.dataKey(), check.decrypt(stored.tree()).mac(), file);
        Metadata metadata = stored.metadata().copy();
        metadata.others.clear();
        metadata.keyGroups = 0;
        metadata.age.clear();
        for (String recipient : wanted) {
            String enc = stored.metadata().age.stream().filter(k -> k.recipient().equals(recipient))
                    .map(Metadata.AgeKey::enc).findFirst().orElse(null);
            metadata.age.add(new Metadata.AgeKey(recipient, enc != null ? enc : wrap(previous.dataKey(), recipient)));
        }
        return emitEncrypted(stored.tree(), stored.dotenvLines(), previous.format(), metadata);
    }

    /** Writes a tree as a plain (unencrypted) file of the format; BINARY writes the "data" value's bytes. */
    public static byte[] emitPlain(Map<String, Object> tree, SopsFormat format) throws SecretException {
        Map<String, Object> normalized = normalize(tree, format);
        return switch (format) {
            case YAML -> YamlCodec.emit(normalized).getBytes(StandardCharsets.UTF_8);
            case JSON -> JsonCodec.emit(normalized).getBytes(StandardCharsets.UTF_8);
            case DOTENV -> DotenvCodec.emit(normalized).getBytes(StandardCharsets.UTF_8);
            case BINARY -> binaryData(normalized.get("data"));
        };
    }

    // ---- reading -------------------------------------------------------------------------------------------

    private static Stored load(byte[] content, SopsFormat format, String file) throws SecretException {
        if (format == SopsFormat.DOTENV) {
            List<DotenvCodec.Line> lines = DotenvCodec.parse(text(content, file), file);
            List<DotenvCodec.Line> data = new ArrayList<>();
            Map<String, Object> tree = new LinkedHashMap<>();
            Map<String, String> flat = new LinkedHashMap<>();
            for (DotenvCodec.Line line : lines) {
                if (line instanceof DotenvCodec.Entry e && e.key().startsWith("sops_")) {
                    flat.put(e.key().substring("sops_".length()), e.value());
                    continue;
                }
                if (line instanceof DotenvCodec.Entry e && tree.put(e.key(), e.value()) != null) {
                    throw new SecretException(file + " line " + e.lineNumber() + ": the key '" + e.key()
                            + "' appears twice");
                }
                data.add(line);
            }
            if (flat.isEmpty()) {
                throw noMetadata(file);
            }
            return new Stored(tree, Metadata.fromTree(Metadata.unflatten(flat, file), file), data);
        }
        Map<String, Object> tree = format == SopsFormat.YAML ? YamlCodec.parse(text(content, file), file)
                : JsonCodec.parse(content, file);
        Object sops = tree.remove("sops");
        if (!(sops instanceof Map<?, ?>)) {
            throw noMetadata(file);
        }
        @SuppressWarnings("unchecked")
        Metadata metadata = Metadata.fromTree((Map<String, Object>) sops, file);
        if (format == SopsFormat.BINARY && !(tree.get("data") instanceof String)) {
            throw new SecretException(file + ": a sops binary file holds its data under the key \"data\", and this"
                    + " one does not");
        }
        return new Stored(tree, metadata, null);
    }

    private static SecretException noMetadata(String file) {
        return new SecretException(file + " has no sops metadata: it is not a sops-encrypted file (encrypt it"
                + " with 'sops --encrypt' or 'driftless secrets encrypt')");
    }

    private static String text(byte[] content, String file) throws SecretException {
        String text = TreeCrypt.utf8(content);
        if (text == null) {
            throw new SecretException(file + " is not UTF-8 text");
        }
        return text;
    }

    /**
     * The data key from the first age entry one of our identities opens, trying our own recipients first, then
     * likewise from the pgp entries with our PGP keys.
     */
    private static byte[] dataKey(Metadata metadata, AgeIdentities ids, String file) throws SecretException {
        if (metadata.keyGroups > 1) {
            throw new SecretException(file + " splits its data key over " + metadata.keyGroups + " key groups"
                    + " (Shamir secret sharing), which Driftless does not support; re-encrypt it with one group");
        }
        List<String> keys = metadata.describeKeys();
        List<PgpEntry> pgpEntries = pgpEntries(metadata, ids.pgp());
        if (metadata.age.isEmpty() && pgpEntries.isEmpty()) {
            throw new SecretException(file + ": no age recipient you hold a key for: the file is encrypted for "
                    + (keys.isEmpty() ? "no key at all" : String.join(", ", keys)) + ", and Driftless reads only"
                    + " age and PGP; add an age recipient with 'sops updatekeys' (or 'driftless secrets updatekeys')");
        }
        Set<String> ours = new HashSet<>(ids.recipients());
        List<Metadata.AgeKey> ordered = new ArrayList<>();
        metadata.age.stream().filter(k -> ours.contains(k.recipient())).forEach(ordered::add);
        metadata.age.stream().filter(k -> !ours.contains(k.recipient())).forEach(ordered::add);
        List<String> problems = new ArrayList<>();
        for (Metadata.AgeKey entry : ordered) {
            Optional<byte[]> key;
            try {
                key = ids.open(entry.enc().getBytes(StandardCharsets.UTF_8), file);
            } catch (SecretException e) {
                problems.add("the data key wrapped for " + entry.recipient() + " is damaged");
                continue;
            }
            if (key.isPresent() && key.get().length == 32) {
                return key.get();
            }
            if (key.isPresent()) {
                problems.add("the data key wrapped for " + entry.recipient() + " has the wrong length");
            } else if (ours.contains(entry.recipient())) {
                problems.add("the entry for " + entry.recipient() + " does not open with its key");
            }
        }
        for (PgpEntry entry : pgpEntries) {
            Optional<byte[]> key;
            try {
                key = ids.pgp().open(entry.enc(), "the data key wrapped for pgp " + entry.fp());
            } catch (SecretException e) {
                problems.add(e.getMessage());
                continue;
            }
            if (key.isPresent() && key.get().length == 32) {
                return key.get();
            }
            if (key.isPresent()) {
                problems.add("the data key wrapped for pgp " + entry.fp() + " has the wrong length");
            } else if (entry.ours()) {
                problems.add("the entry for pgp " + entry.fp() + " is not encrypted for the key you hold");
            }
        }
        String hint = !pgpEntries.isEmpty() && ids.pgp().isEmpty()
                ? "; to use a PGP key, give its armored private key file in DRIFTLESS_PGP_KEY_FILE" : "";
        throw new SecretException(file + ": no age recipient you hold a key for: the file is encrypted for "
                + String.join(", ", keys) + "; keys tried: " + ids.describe()
                + (problems.isEmpty() ? "" : " (" + String.join("; ", problems) + ")") + hint);
    }

    /** A pgp key entry of the metadata; {@code ours} when its fingerprint names a PGP key we hold. */
    private record PgpEntry(String fp, String enc, boolean ours) {
    }

    /**
     * The pgp entries, ours first; the others are tried too, because sops itself ignores {@code fp} on decryption
     * and goes by the recipients inside the message. An entry without {@code enc} is skipped, not refused, so that
     * it cannot spoil a file an age key opens.
     */
    private static List<PgpEntry> pgpEntries(Metadata metadata, PgpKeys pgp) {
        List<PgpEntry> ours = new ArrayList<>();
        List<PgpEntry> others = new ArrayList<>();
        for (Object item : metadata.others.getOrDefault("pgp", List.of())) {
            if (!(item instanceof Map<?, ?> entry) || !(entry.get("enc") instanceof String enc)) {
                continue;
            }
            String fp = entry.get("fp") instanceof String f ? f : "";
            boolean mine = pgp.holds(fp);
            (mine ? ours : others).add(new PgpEntry(fp, enc, mine));
        }
        ours.addAll(others);
        return ours;
    }

    private static void verifyMac(Metadata metadata, byte[] dataKey, String computed, String file)
            throws SecretException {
        String mismatch = file + ": MAC mismatch: the file was changed after it was encrypted (or is corrupt);"
                + " restore it from version control or encrypt it again";
        if (metadata.mac.isEmpty()) {
            throw new SecretException(file + ": MAC missing from the sops metadata: the file was changed after it"
                    + " was encrypted (or is corrupt)");
        }
        String additionalData;
        try {
            additionalData = GoText.rfc3339(metadata.lastModified);
        } catch (DateTimeParseException e) {
            throw new SecretException(file + ": the sops metadata's lastmodified is not a valid time, so the MAC"
                    + " cannot be checked; the file is corrupt");
        }
        String stored;
        try {
            stored = TreeCrypt.utf8(ValueCipher.decrypt(metadata.mac, dataKey, additionalData).plaintext());
        } catch (GeneralSecurityException | ValueCipher.NotEncrypted e) {
            throw new SecretException(mismatch);
        }
        if (!computed.equals(stored)) {
            throw new SecretException(mismatch);
        }
    }

    // ---- writing -------------------------------------------------------------------------------------------

    private static byte[] seal(Map<String, Object> tree, SopsFormat format, Metadata metadata, byte[] dataKey,
            Map<String, String> stash) throws SecretException {
        Map<String, Object> normalized = normalize(tree, format);
        TreeCrypt crypt = new TreeCrypt(dataKey, new TreeCrypt.Rules(metadata, "the sops rules"), "", stash, false);
        TreeCrypt.Result result = crypt.encrypt(normalized);
        metadata.lastModified = GoText.now();
        metadata.version = Metadata.VERSION;
        metadata.mac = ValueCipher.encrypt("str", result.mac().getBytes(StandardCharsets.US_ASCII), dataKey,
                metadata.lastModified);
        return emitEncrypted(result.tree(), null, format, metadata);
    }

    private static byte[] emitEncrypted(Map<String, Object> tree, List<DotenvCodec.Line> dotenvLines,
            SopsFormat format, Metadata metadata) throws SecretException {
        String out;
        switch (format) {
            case YAML -> {
                Map<String, Object> file = new LinkedHashMap<>(tree);
                file.put("sops", metadata.toTree(false));
                out = YamlCodec.emit(file);
            }
            case DOTENV -> {
                List<DotenvCodec.Line> lines = new ArrayList<>();
                if (dotenvLines != null) {
                    for (DotenvCodec.Line line : dotenvLines) {
                        lines.add(line instanceof DotenvCodec.Entry e
                                ? new DotenvCodec.Entry(e.key(), (String) tree.get(e.key()), 0) : line);
                    }
                } else {
                    for (Map.Entry<String, Object> e : tree.entrySet()) {
                        lines.add(new DotenvCodec.Entry(e.getKey(), (String) e.getValue(), 0));
                    }
                }
                metadata.flatten().forEach((k, v) -> lines.add(new DotenvCodec.Entry(k, v, 0)));
                out = DotenvCodec.emit(lines);
            }
            default -> {
                Map<String, Object> file = new LinkedHashMap<>(tree);
                file.put("sops", metadata.toTree(true));
                out = JsonCodec.emit(file);
            }
        }
        return out.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> recipients(List<String> given) throws SecretException {
        List<String> recipients = new ArrayList<>();
        for (String recipient : new LinkedHashSet<>(given)) {
            Age.validateRecipient(recipient);
            recipients.add(recipient.strip());
        }
        if (recipients.isEmpty()) {
            throw new SecretException("no age recipient to encrypt for: give at least one age1... recipient");
        }
        return List.copyOf(new LinkedHashSet<>(recipients));
    }

    private static String wrap(byte[] dataKey, String recipient) throws SecretException {
        return new String(Age.encrypt(dataKey, List.of(recipient), true), StandardCharsets.US_ASCII);
    }

    /**
     * A checked deep copy: string keys, supported leaf types (Integer read as Long, Float as Double), and the
     * shape the format can hold.
     */
    private static Map<String, Object> normalize(Map<String, Object> tree, SopsFormat format) throws SecretException {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : tree.entrySet()) {
            out.put(key(e.getKey(), ""), normalizeValue(e.getValue(), e.getKey()));
        }
        switch (format) {
            case YAML, JSON -> {
                if (out.containsKey("sops")) {
                    throw new SecretException("the top-level key 'sops' is reserved for the sops metadata; rename it");
                }
            }
            case DOTENV -> {
                for (Map.Entry<String, Object> e : out.entrySet()) {
                    DotenvCodec.checkKey(e.getKey());
                    if (e.getKey().startsWith("sops_")) {
                        throw new SecretException("the dotenv key '" + e.getKey() + "' starts with 'sops_', which is"
                                + " reserved for the sops metadata; rename it");
                    }
                    if (!(e.getValue() instanceof String)) {
                        throw new SecretException("the entry '" + e.getKey() + "' is not a string; a dotenv file"
                                + " holds only KEY=string lines");
                    }
                }
            }
            case BINARY -> {
                if (out.size() != 1 || !(out.get("data") instanceof String || out.get("data") instanceof byte[])) {
                    throw new SecretException("a binary sops file holds exactly one entry, a string or bytes"
                            + " under \"data\"");
                }
            }
        }
        return out;
    }

    private static String key(Object key, String where) throws SecretException {
        if (!(key instanceof String name)) {
            throw new SecretException("a key " + (where.isEmpty() ? "at the top level" : "under " + where)
                    + " is not a string; sops supports only string keys");
        }
        return name;
    }

    private static Object normalizeValue(Object value, String where) throws SecretException {
        if (value == null || value instanceof String || value instanceof Long || value instanceof Double
                || value instanceof Boolean) {
            return value;
        }
        if (value instanceof byte[] bytes) {
            return bytes.clone();
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof Float f) {
            return Double.valueOf(f.toString());
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String name = key(e.getKey(), where);
                out.put(name, normalizeValue(e.getValue(), where + "." + name));
            }
            return out;
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                out.add(normalizeValue(list.get(i), where + "[" + i + "]"));
            }
            return out;
        }
        throw new SecretException("the entry at " + where + " is a " + value.getClass().getSimpleName()
                + "; sops holds strings, numbers, booleans, null, lists and mappings");
    }

    private static byte[] binaryData(Object data) throws SecretException {
        if (data instanceof byte[] bytes) {
            return bytes.clone();
        }
        if (data instanceof String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        throw new SecretException("a binary sops file holds a string under \"data\"");
    }

    /** Outside BINARY, values that are not UTF-8 are shown as text with replacement characters. */
    @SuppressWarnings("unchecked")
    private static <T> T textOnly(T value) {
        if (value instanceof byte[] bytes) {
            return (T) new String(bytes, StandardCharsets.UTF_8);
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put((String) k, textOnly(v)));
            return (T) out;
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            list.forEach(v -> out.add(textOnly(v)));
            return (T) out;
        }
        return value;
    }
}
