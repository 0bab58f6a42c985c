package dev.driftless.secrets.sops;

import dev.driftless.secrets.SecretException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code sops} metadata block of a file: the wrapped data keys, the encryption rules, lastmodified and mac.
 * Key entries of other types (pgp, kms, ...) are kept verbatim so that a re-encrypted file stays readable by
 * their holders: the data key does not change, so their wrapped copies stay valid.
 */
final class Metadata {

    /** The version written into new and re-encrypted files: the sops release whose layout we write. */
    static final String VERSION = "3.9.0";

    private static final String MAP_SEPARATOR = "__map_";
    private static final String LIST_SEPARATOR = "__list_";
    /** Non-age key types, in the order sops writes them. */
    private static final List<String> OTHER_TYPES = List.of("kms", "gcp_kms", "hckms", "azure_kv", "hc_vault", "pgp");

    /** One age recipient and the data key wrapped for it (an armored age file). */
    record AgeKey(String recipient, String enc) {
        @Override
        public String toString() {
            return recipient;
        }
    }

    List<AgeKey> age = new ArrayList<>();
    /** Key entries of other types by type name, as found. */
    Map<String, List<Object>> others = new LinkedHashMap<>();
    /** How many key_groups the file has; more than one means Shamir secret sharing. */
    int keyGroups;
    Object shamirThreshold;
    String lastModified = "";
    String mac = "";
    String unencryptedSuffix = "";
    String encryptedSuffix = "";
    String unencryptedRegex = "";
    String encryptedRegex = "";
    String unencryptedCommentRegex = "";
    String encryptedCommentRegex = "";
    boolean macOnlyEncrypted;
    String version = VERSION;

    /** Metadata for a new file. */
    static Metadata forRules(SopsRules rules) {
        Metadata m = new Metadata();
        m.unencryptedSuffix = rules.unencryptedSuffix();
        m.encryptedSuffix = rules.encryptedSuffix();
        m.unencryptedRegex = rules.unencryptedRegex();
        m.encryptedRegex = rules.encryptedRegex();
        m.macOnlyEncrypted = rules.macOnlyEncrypted();
        return m;
    }

    Metadata copy() {
        Metadata m = new Metadata();
        m.age = new ArrayList<>(age);
        m.others = new LinkedHashMap<>(others);
        m.keyGroups = keyGroups;
        m.shamirThreshold = shamirThreshold;
        m.lastModified = lastModified;
        m.mac = mac;
        m.unencryptedSuffix = unencryptedSuffix;
        m.encryptedSuffix = encryptedSuffix;
        m.unencryptedRegex = unencryptedRegex;
        m.encryptedRegex = encryptedRegex;
        m.unencryptedCommentRegex = unencryptedCommentRegex;
        m.encryptedCommentRegex = encryptedCommentRegex;
        m.macOnlyEncrypted = macOnlyEncrypted;
        m.version = version;
        return m;
    }

    /** Applies the sops rule: at most one suffix/regex rule, and "_unencrypted" when none is given. */
    void defaultRules(String file) throws SecretException {
        int count = 0;
        for (String rule : List.of(unencryptedSuffix, encryptedSuffix, unencryptedRegex, encryptedRegex,
                unencryptedCommentRegex, encryptedCommentRegex)) {
            if (!rule.isEmpty()) {
                count++;
            }
        }
        if (count > 1) {
            throw new SecretException(file + ": only one of unencrypted_suffix, encrypted_suffix, unencrypted_regex,"
                    + " encrypted_regex, unencrypted_comment_regex and encrypted_comment_regex may be set");
        }
        if (count == 0) {
            unencryptedSuffix = SopsRules.DEFAULT_UNENCRYPTED_SUFFIX;
        }
    }

    SopsRules rules() {
        return new SopsRules(age.stream().map(AgeKey::recipient).toList(), unencryptedSuffix, encryptedSuffix,
                unencryptedRegex, encryptedRegex, macOnlyEncrypted);
    }

    /** Every key the file is encrypted for, age and others, for messages. */
    List<String> describeKeys() {
        List<String> keys = new ArrayList<>();
        for (AgeKey key : age) {
            keys.add(key.recipient());
        }
        others.forEach((type, entries) -> {
            for (Object entry : entries) {
                keys.add(type + " " + describeOther(type, entry));
            }
        });
        return keys;
    }

    private static String describeOther(String type, Object entry) {
        if (!(entry instanceof Map<?, ?> map)) {
            return "key";
        }
        String field = switch (type) {
            case "pgp" -> "fp";
            case "kms" -> "arn";
            case "gcp_kms" -> "resource_id";
            case "hckms" -> "key_id";
            case "azure_kv" -> "vault_url";
            case "hc_vault" -> "vault_address";
            default -> "";
        };
        Object value = map.get(field);
        return value == null ? "key" : value.toString();
    }

    // ---- reading -------------------------------------------------------------------------------------------

    static Metadata fromTree(Map<String, Object> sops, String file) throws SecretException {
        Metadata m = new Metadata();
        readKeys(m, sops, file);
        Object groups = sops.get("key_groups");
        if (groups != null) {
            if (!(groups instanceof List<?> list)) {
                throw malformed(file, "key_groups");
            }
            if (list.size() > 0 && m.age.isEmpty() && m.others.values().stream().allMatch(List::isEmpty)) {
                m.keyGroups = list.size();
                for (Object group : list) {
                    if (!(group instanceof Map<?, ?> g)) {
                        throw malformed(file, "key_groups");
                    }
                    @SuppressWarnings("unchecked")
                    Map<String, Object> typed = (Map<String, Object>) g;
                    readKeys(m, typed, file);
                }
            }
        }
        m.shamirThreshold = sops.get("shamir_threshold");
        m.lastModified = string(sops, "lastmodified", file);
        m.mac = string(sops, "mac", file);
        m.unencryptedSuffix = string(sops, "unencrypted_suffix", file);
        m.encryptedSuffix = string(sops, "encrypted_suffix", file);
        m.unencryptedRegex = string(sops, "unencrypted_regex", file);
        m.encryptedRegex = string(sops, "encrypted_regex", file);
        m.unencryptedCommentRegex = string(sops, "unencrypted_comment_regex", file);
        m.encryptedCommentRegex = string(sops, "encrypted_comment_regex", file);
        Object macOnly = sops.get("mac_only_encrypted");
        m.macOnlyEncrypted = Boolean.TRUE.equals(macOnly) || "true".equals(macOnly);
        m.version = string(sops, "version", file);
        m.defaultRules(file);
        return m;
    }

    private static void readKeys(Metadata m, Map<String, Object> source, String file) throws SecretException {
        Object age = source.get("age");
        if (age != null) {
            if (!(age instanceof List<?> list)) {
                throw malformed(file, "age");
            }
            for (Object item : list) {
                if (!(item instanceof Map<?, ?> entry)) {
                    throw malformed(file, "age");
                }
                Object recipient = entry.get("recipient");
                Object enc = entry.get("enc");
                if (!(recipient instanceof String r) || !(enc instanceof String e)) {
                    throw malformed(file, "age");
                }
                m.age.add(new AgeKey(r, e));
            }
        }
        for (String type : OTHER_TYPES) {
            Object entries = source.get(type);
            if (entries instanceof List<?> list && !list.isEmpty()) {
                m.others.computeIfAbsent(type, t -> new ArrayList<>()).addAll(list);
            } else if (entries != null && !(entries instanceof List<?>)) {
                throw malformed(file, type);
            }
        }
    }

    private static String string(Map<String, Object> sops, String key, String file) throws SecretException {
        Object value = sops.get(key);
        if (value == null) {
            return "";
        }
        if (value instanceof String || value instanceof Long || value instanceof Double || value instanceof Boolean) {
            return value.toString();
        }
        throw malformed(file, key);
    }

    private static SecretException malformed(String file, String field) {
        return new SecretException(file + ": the sops metadata field '" + field + "' is malformed; restore the file"
                + " from version control");
    }

    // ---- writing -------------------------------------------------------------------------------------------

    /**
     * The metadata in the key order sops 3.9 writes; {@code emptyAsNull} for JSON, where sops writes an empty
     * key list as null (YAML shows it as []).
     */
    Map<String, Object> toTree(boolean emptyAsNull) {
        Map<String, Object> t = new LinkedHashMap<>();
        if (shamirThreshold != null && !"0".equals(shamirThreshold.toString())) {
            t.put("shamir_threshold", shamirThreshold);
        }
        t.put("kms", keyList("kms", emptyAsNull));
        t.put("gcp_kms", keyList("gcp_kms", emptyAsNull));
        if (others.containsKey("hckms")) {
            t.put("hckms", keyList("hckms", emptyAsNull));
        }
        t.put("azure_kv", keyList("azure_kv", emptyAsNull));
        t.put("hc_vault", keyList("hc_vault", emptyAsNull));
        List<Object> ages = new ArrayList<>();
        for (AgeKey key : age) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("recipient", key.recipient());
            entry.put("enc", key.enc());
            ages.add(entry);
        }
        t.put("age", ages.isEmpty() && emptyAsNull ? null : ages);
        t.put("lastmodified", lastModified);
        t.put("mac", mac);
        t.put("pgp", keyList("pgp", emptyAsNull));
        putIfSet(t, "unencrypted_suffix", unencryptedSuffix);
        putIfSet(t, "encrypted_suffix", encryptedSuffix);
        putIfSet(t, "unencrypted_regex", unencryptedRegex);
        putIfSet(t, "encrypted_regex", encryptedRegex);
        putIfSet(t, "unencrypted_comment_regex", unencryptedCommentRegex);
        putIfSet(t, "encrypted_comment_regex", encryptedCommentRegex);
        if (macOnlyEncrypted) {
            t.put("mac_only_encrypted", Boolean.TRUE);
        }
        t.put("version", version);
        return t;
    }

    private List<Object> keyList(String type, boolean emptyAsNull) {
        List<Object> list = others.getOrDefault(type, List.of());
        return list.isEmpty() && emptyAsNull ? null : new ArrayList<>(list);
    }

    private static void putIfSet(Map<String, Object> t, String key, String value) {
        if (!value.isEmpty()) {
            t.put(key, value);
        }
    }

    // ---- dotenv: the metadata flattened into sops_ keys ------------------------------------------------------

    /** {@code sops_age__list_0__map_enc=...} lines, sorted by key, newlines escaped by the dotenv writer. */
    Map<String, String> flatten() {
        Map<String, String> flat = new TreeMap<>();
        for (Map.Entry<String, Object> e : toTree(true).entrySet()) {
            flattenInto(flat, "sops_" + e.getKey(), e.getValue());
        }
        return flat;
    }

    private static void flattenInto(Map<String, String> flat, String key, Object value) {
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                flattenInto(flat, key + MAP_SEPARATOR + e.getKey(), e.getValue());
            }
        } else if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                flattenInto(flat, key + LIST_SEPARATOR + i, list.get(i));
            }
        } else if (value != null) {
            flat.put(key, value instanceof Boolean b ? b.toString() : value.toString());
        }
    }

    /** The metadata tree back from flattened keys (without their "sops_" prefix). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> unflatten(Map<String, String> flat, String file) throws SecretException {
        Map<String, Object> root = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : flat.entrySet()) {
            List<Object> tokens = tokenize(e.getKey());
            Object container = root;
            for (int i = 0; i < tokens.size(); i++) {
                Object token = tokens.get(i);
                boolean last = i == tokens.size() - 1;
                Object next = last ? e.getValue()
                        : tokens.get(i + 1) instanceof Integer ? new TreeMap<Integer, Object>() : new LinkedHashMap<>();
                container = place(container, token, next, last, file);
            }
        }
        return (Map<String, Object>) lists(root);
    }

    @SuppressWarnings("unchecked")
    private static Object place(Object container, Object token, Object fresh, boolean last, String file)
            throws SecretException {
        Object existing;
        if (token instanceof Integer index && container instanceof TreeMap<?, ?>) {
            Map<Integer, Object> list = (Map<Integer, Object>) container;
            existing = list.get(index);
            if (existing == null) {
                list.put(index, fresh);
                return fresh;
            }
        } else if (token instanceof String name && container instanceof LinkedHashMap<?, ?>) {
            Map<String, Object> map = (Map<String, Object>) container;
            existing = map.get(name);
            if (existing == null) {
                map.put(name, fresh);
                return fresh;
            }
        } else {
            throw new SecretException(file + ": the flattened sops metadata keys are inconsistent");
        }
        if (last || existing.getClass() != fresh.getClass()) {
            throw new SecretException(file + ": the flattened sops metadata keys are inconsistent");
        }
        return existing;
    }

    private static Object lists(Object value) {
        if (value instanceof TreeMap<?, ?> indexed) {
            List<Object> list = new ArrayList<>();
            for (Object item : indexed.values()) {
                list.add(lists(item));
            }
            return list;
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.put((String) e.getKey(), lists(e.getValue()));
            }
            return out;
        }
        return value;
    }

    /** Splits "age__list_0__map_enc" into "age", 0, "enc", as sops does. */
    private static List<Object> tokenize(String path) {
        List<Object> tokens = new ArrayList<>();
        int start = 0;
        String pending = null; // the separator that opened the current token
        int i = 0;
        while (i <= path.length()) {
            String separator = i == path.length() ? "" : path.startsWith(MAP_SEPARATOR, i) ? MAP_SEPARATOR
                    : path.startsWith(LIST_SEPARATOR, i) ? LIST_SEPARATOR : null;
            if (separator == null) {
                i++;
                continue;
            }
            String text = path.substring(start, i);
            if (LIST_SEPARATOR.equals(pending)) {
                int index;
                try {
                    index = Integer.parseInt(text);
                } catch (NumberFormatException e) {
                    index = 0; // sops ignores the error the same way
                }
                tokens.add(index);
            } else {
                tokens.add(text);
            }
            if (i == path.length()) {
                break;
            }
            pending = separator;
            i += separator.length();
            start = i;
        }
        return tokens;
    }
}
