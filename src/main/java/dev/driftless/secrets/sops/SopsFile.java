package dev.driftless.secrets.sops;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A decrypted sops file: its values, its plaintext as {@code sops -d} prints it, and who it is encrypted for. It
 * also keeps, package-private, what {@link Sops#reencrypt} and {@link Sops#updateKeys} need (the data key and the
 * previous ciphertexts); none of that, nor any value, appears in {@link #toString()}.
 */
public final class SopsFile {

    private final SopsFormat format;
    private final String displayName;
    private final Map<String, Object> tree;
    private final byte[] plaintext;
    private final Metadata metadata;
    private final byte[] dataKey;
    private final Map<String, String> stash;

    SopsFile(SopsFormat format, String displayName, Map<String, Object> tree, byte[] plaintext, Metadata metadata,
            byte[] dataKey, Map<String, String> stash) {
        this.format = format;
        this.displayName = displayName;
        this.tree = tree;
        this.plaintext = plaintext;
        this.metadata = metadata;
        this.dataKey = dataKey;
        this.stash = stash;
    }

    public SopsFormat format() {
        return format;
    }

    /**
     * The values in file order, a fresh copy the caller may edit and pass to {@link Sops#reencrypt}: maps are
     * LinkedHashMap, leaves String, Long, Double, Boolean or null. BINARY gives {"data": text}, or {"data": byte[]}
     * when the data is not UTF-8 text.
     */
    public Map<String, Object> tree() {
        return copy(tree);
    }

    /** The decrypted file as {@code sops -d} prints it; for BINARY the raw data bytes. */
    public byte[] plaintext() {
        return plaintext.clone();
    }

    /** The age recipients the data key is wrapped for. */
    public List<String> ageRecipients() {
        return metadata.age.stream().map(Metadata.AgeKey::recipient).toList();
    }

    /** The recipients and the suffix/regex rules found in the metadata. */
    public SopsRules rules() {
        return metadata.rules();
    }

    String displayName() {
        return displayName;
    }

    Metadata metadata() {
        return metadata;
    }

    byte[] dataKey() {
        return dataKey;
    }

    Map<String, String> stash() {
        return stash;
    }

    @Override
    public String toString() {
        return "SopsFile[" + displayName + ", " + format + ", recipients=" + ageRecipients() + "]";
    }

    @SuppressWarnings("unchecked")
    static <T> T copy(T value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put((String) k, copy(v)));
            return (T) out;
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            list.forEach(v -> out.add(copy(v)));
            return (T) out;
        }
        if (value instanceof byte[] bytes) {
            return (T) Arrays.copyOf(bytes, bytes.length);
        }
        return value;
    }
}
