package dev.driftless.secrets.sops;

import dev.driftless.load.YamlLimitException;
import dev.driftless.load.YamlLimits;
import dev.driftless.secrets.SecretException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.ConstructNode;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Present;
import org.snakeyaml.engine.v2.api.lowlevel.Serialize;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.common.NonPrintableStyle;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.resolver.ScalarResolver;
import org.snakeyaml.engine.v2.schema.Schema;

/**
 * YAML as sops (go-yaml v3) reads and writes it. Plain scalars are typed by go-yaml's rules, not YAML 1.2's
 * ({@code 0777} is octal, {@code 1_000} an int, timestamps stay strings), because the MAC hashes each value's
 * text as Go saw it. Comments are dropped: sops leaves them out of the MAC, so dropping them cannot break
 * verification, but a re-encrypted file loses them. One document per file; mapping keys must be strings.
 */
final class YamlCodec {

    private static final Pattern YAML_STYLE_FLOAT =
            Pattern.compile("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
    private static final Pattern BASE60_FLOAT = Pattern.compile("[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\\.[0-9_]*)?");
    private static final Pattern TIMESTAMP_START = Pattern.compile("[0-9]{4}-.*", Pattern.DOTALL);
    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    private static final Tag TIMESTAMP = new Tag(Tag.PREFIX + "timestamp");
    /** The value a plain scalar resolves to when it is a uint64 beyond int64, which sops cannot handle. */
    private static final Object TOO_BIG = new Object();
    private static final GoSchema WRITING = new GoSchema(true);

    private YamlCodec() {
    }

    // ---- reading -------------------------------------------------------------------------------------------

    /** The top-level mapping of a one-document YAML file; an empty file is an empty mapping. */
    static Map<String, Object> parse(String text, String displayName) throws SecretException {
        // the limits every YAML file from a commit is read with: depth, nodes with aliases expanded
        LoadSettings settings = YamlLimits.DEFAULT.settings(displayName)
                .setSchema(new GoSchema(false))
                .setParseComments(false)
                .setAllowDuplicateKeys(true) // checked below, with a better message
                .setCodePointLimit(64 * 1024 * 1024)
                .build();
        List<Node> documents = new ArrayList<>();
        try {
            for (Node node : YamlLimits.DEFAULT.composeAll(stripBom(text), settings)) {
                if (!isNull(node)) {
                    documents.add(node);
                }
            }
        } catch (YamlLimitException e) {
            // names the file, line and key path; never a value
            throw new SecretException(e.getMessage());
        } catch (MarkedYamlEngineException e) {
            throw new SecretException(displayName + " is not valid YAML: " + safeProblem(e) + at(e.getProblemMark()));
        } catch (YamlEngineException e) {
            // Unmarked errors are about limits and forbidden characters; their messages quote no source text.
            throw new SecretException(displayName + " is not valid YAML: " + e.getMessage());
        }
        if (documents.isEmpty()) {
            return new LinkedHashMap<>();
        }
        if (documents.size() > 1) {
            throw new SecretException(displayName + " holds " + documents.size() + " YAML documents; Driftless reads"
                    + " sops files with one document only: split it into one file per document");
        }
        Node root = documents.get(0);
        if (!(root instanceof MappingNode)) {
            throw new SecretException(displayName + ": the top level of the YAML document must be a mapping"
                    + at(root.getStartMark()));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> tree = (Map<String, Object>) value(root, displayName,
                Collections.newSetFromMap(new IdentityHashMap<>()));
        return tree;
    }

    private static String stripBom(String text) {
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    private static boolean isNull(Node node) {
        return node instanceof ScalarNode scalar && Tag.NULL.equals(scalar.getTag())
                && scalar.getAnchor().isEmpty();
    }

    /** The parser's description of the problem; never the snippet of the source line, which may be a secret. */
    private static String safeProblem(MarkedYamlEngineException e) {
        String problem = e.getProblem();
        return problem == null || problem.isBlank() ? "syntax error" : problem;
    }

    private static String at(Optional<Mark> mark) {
        return mark.map(m -> " (line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1) + ")").orElse("");
    }

    private static Object value(Node node, String file, Set<Node> open) throws SecretException {
        if (node instanceof ScalarNode scalar) {
            return scalar(scalar, file);
        }
        if (!open.add(node)) {
            throw new SecretException(file + ": a YAML alias refers to a node that contains it" + at(node.getStartMark()));
        }
        try {
            if (node instanceof MappingNode mapping) {
                return mapping(mapping, file, open);
            }
            List<Object> list = new ArrayList<>();
            for (Node item : ((SequenceNode) node).getValue()) {
                list.add(value(item, file, open));
            }
            return list;
        } finally {
            open.remove(node);
        }
    }

    private static Map<String, Object> mapping(MappingNode mapping, String file, Set<Node> open)
            throws SecretException {
        Map<String, Object> map = new LinkedHashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            Node keyNode = tuple.getKeyNode();
            if (!(keyNode instanceof ScalarNode scalarKey)) {
                throw new SecretException(file + ": a mapping key is not a string" + at(keyNode.getStartMark())
                        + "; sops supports only string keys");
            }
            Object key = scalar(scalarKey, file);
            if (!(key instanceof String name)) {
                throw new SecretException(file + ": a mapping key is a " + typeName(key) + ", not a string"
                        + at(keyNode.getStartMark()) + "; quote it");
            }
            if (map.containsKey(name)) {
                throw new SecretException(file + ": the key '" + name + "' appears twice in one mapping"
                        + at(keyNode.getStartMark()));
            }
            map.put(name, value(tuple.getValueNode(), file, open));
        }
        return map;
    }

    private static String typeName(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Boolean) {
            return "boolean";
        }
        return value instanceof Long ? "number" : value instanceof Double ? "number" : "non-string";
    }

    private static Object scalar(ScalarNode node, String file) throws SecretException {
        Tag tag = node.getTag();
        String text = node.getValue();
        if (Tag.STR.equals(tag) || TIMESTAMP.equals(tag)) {
            return text;
        }
        Object resolved = tag.equals(Tag.NULL) || tag.equals(Tag.BOOL) || tag.equals(Tag.INT) || tag.equals(Tag.FLOAT)
                ? resolve(text) : text; // other (custom) tags: the text, as go-yaml hands it to sops
        if (resolved == TOO_BIG) {
            throw new SecretException(file + ": an integer is larger than sops can handle" + at(node.getStartMark())
                    + "; quote it to keep it as a string");
        }
        boolean matches = switch (tag.getValue()) {
            case Tag.PREFIX + "null" -> resolved == null;
            case Tag.PREFIX + "bool" -> resolved instanceof Boolean;
            case Tag.PREFIX + "int" -> resolved instanceof Long;
            case Tag.PREFIX + "float" -> resolved instanceof Double || resolved instanceof Long;
            default -> true;
        };
        if (!matches) {
            throw new SecretException(file + ": a scalar tagged " + tag + " does not parse as one"
                    + at(node.getStartMark()));
        }
        if (tag.equals(Tag.FLOAT) && resolved instanceof Long l) {
            return l.doubleValue();
        }
        return resolved;
    }

    /**
     * go-yaml v3's resolution of a plain scalar, as sops decodes it into an interface{}: null, Boolean, Long,
     * Double, {@link #TOO_BIG}, or the text itself as a String.
     */
    static Object resolve(String s) {
        switch (s) {
            case "", "~", "null", "Null", "NULL":
                return null;
            case "true", "True", "TRUE":
                return Boolean.TRUE;
            case "false", "False", "FALSE":
                return Boolean.FALSE;
            case ".nan", ".NaN", ".NAN":
                return Double.NaN;
            case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF":
                return Double.POSITIVE_INFINITY;
            case "-.inf", "-.Inf", "-.INF":
                return Double.NEGATIVE_INFINITY;
            default:
                break;
        }
        char first = s.charAt(0);
        if (first == '.') {
            Double d = goParseFloat(s);
            return d != null ? d : s;
        }
        if (!(first == '+' || first == '-' || (first >= '0' && first <= '9'))) {
            return s;
        }
        if (TIMESTAMP_START.matcher(s).matches() && looksLikeTimestamp(s)) {
            return s; // go-yaml gives timestamps to an interface{} as their text
        }
        String plain = s.replace("_", "");
        BigInteger integer = goParseInteger(plain);
        if (integer != null) {
            if (integer.bitLength() < 64) {
                return integer.longValue();
            }
            if (integer.signum() > 0 && integer.compareTo(UINT64_MAX) <= 0 && plain.charAt(0) != '+') {
                return TOO_BIG;
            }
        }
        if (YAML_STYLE_FLOAT.matcher(plain).matches()) {
            Double d = goParseFloat(plain);
            if (d != null) {
                return d;
            }
        }
        return s;
    }

    private static boolean looksLikeTimestamp(String s) {
        return Pattern.matches("[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
                + "([Tt ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\\.[0-9]*)?(Z|[+-][0-9]{2}:[0-9]{2})?)?", s);
    }

    /** strconv.ParseInt(s, 0, 64)'s syntax (sign, 0x/0o/0b prefixes, leading-zero octal), unbounded. */
    private static BigInteger goParseInteger(String s) {
        if (s.isEmpty()) {
            return null;
        }
        boolean negative = false;
        if (s.charAt(0) == '+' || s.charAt(0) == '-') {
            negative = s.charAt(0) == '-';
            s = s.substring(1);
            if (s.isEmpty()) {
                return null;
            }
        }
        int base = 10;
        if (s.charAt(0) == '0') {
            char second = s.length() >= 3 ? Character.toLowerCase(s.charAt(1)) : 0;
            if (second == 'b') {
                base = 2;
                s = s.substring(2);
            } else if (second == 'o') {
                base = 8;
                s = s.substring(2);
            } else if (second == 'x') {
                base = 16;
                s = s.substring(2);
            } else {
                base = 8;
                s = s.substring(1);
                if (s.isEmpty()) {
                    return BigInteger.ZERO;
                }
            }
        }
        for (int i = 0; i < s.length(); i++) {
            if (Character.digit(s.charAt(i), base) < 0 || s.charAt(i) > 'z') {
                return null;
            }
        }
        BigInteger value = new BigInteger(s, base);
        return negative ? value.negate() : value;
    }

    private static Double goParseFloat(String s) {
        try {
            return GoText.parseFloat(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Scalar resolution for snakeyaml: go-yaml's rules; when writing, also what older YAML readers type. */
    private static final class GoSchema implements Schema, ScalarResolver {
        private final boolean writing;

        GoSchema(boolean writing) {
            this.writing = writing;
        }

        @Override
        public ScalarResolver getScalarResolver() {
            return this;
        }

        @Override
        public Map<Tag, ConstructNode> getSchemaTagConstructors() {
            return Map.of();
        }

        @Override
        public Tag resolve(String value, Boolean implicit) {
            if (!implicit) {
                return Tag.STR;
            }
            Object resolved = YamlCodec.resolve(value);
            if (resolved == null) {
                return Tag.NULL;
            }
            if (resolved instanceof Boolean) {
                return Tag.BOOL;
            }
            if (resolved instanceof Long || resolved == TOO_BIG) {
                return Tag.INT;
            }
            if (resolved instanceof Double) {
                return Tag.FLOAT;
            }
            if (writing && wouldBeTypedElsewhere(value)) {
                return TIMESTAMP;
            }
            return Tag.STR;
        }

        /** Strings that go-yaml quotes for YAML 1.1 readers: yes/no/on/off, 1:20, dates. */
        private static boolean wouldBeTypedElsewhere(String value) {
            return switch (value) {
                case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off", "OFF",
                        "=", "<<" -> true;
                default -> BASE60_FLOAT.matcher(value).matches() || TIMESTAMP_START.matcher(value).matches();
            };
        }
    }

    // ---- writing -------------------------------------------------------------------------------------------

    /** Block-style YAML with two-space indentation, as sops 3.9 writes; sequences indented under their key. */
    static String emit(Map<String, ?> tree) {
        DumpSettings settings = DumpSettings.builder()
                .setSchema(WRITING)
                .setDefaultFlowStyle(FlowStyle.BLOCK)
                .setIndent(2)
                .setIndicatorIndent(2)
                .setIndentWithIndicator(true)
                .setWidth(Integer.MAX_VALUE)
                .setSplitLines(false)
                .setMaxSimpleKeyLength(1024)
                .setNonPrintableStyle(NonPrintableStyle.ESCAPE)
                .setUseUnicodeEncoding(true)
                .build();
        Node root = node(tree);
        return new Present(settings).emitToString(new Serialize(settings).serializeOne(root).iterator());
    }

    private static Node node(Object value) {
        if (value instanceof Map<?, ?> map) {
            List<NodeTuple> tuples = new ArrayList<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                tuples.add(new NodeTuple(string((String) e.getKey()), node(e.getValue())));
            }
            return new MappingNode(Tag.MAP, tuples, FlowStyle.BLOCK);
        }
        if (value instanceof List<?> list) {
            List<Node> items = new ArrayList<>();
            for (Object item : list) {
                items.add(node(item));
            }
            return new SequenceNode(Tag.SEQ, items, FlowStyle.BLOCK);
        }
        if (value == null) {
            return new ScalarNode(Tag.NULL, "null", ScalarStyle.PLAIN);
        }
        if (value instanceof Boolean b) {
            return new ScalarNode(Tag.BOOL, b.toString(), ScalarStyle.PLAIN);
        }
        if (value instanceof Long l) {
            return new ScalarNode(Tag.INT, l.toString(), ScalarStyle.PLAIN);
        }
        if (value instanceof Double d) {
            return new ScalarNode(Tag.FLOAT, GoText.yamlFloat(d), ScalarStyle.PLAIN);
        }
        if (value instanceof byte[] bytes) {
            return string(new String(bytes, StandardCharsets.UTF_8));
        }
        return string((String) value);
    }

    private static ScalarNode string(String s) {
        ScalarStyle style;
        if (needsEscapes(s)) {
            style = ScalarStyle.DOUBLE_QUOTED;
        } else if (s.indexOf('\n') >= 0) {
            style = ScalarStyle.LITERAL; // as go-yaml writes multi-line strings (the age data keys)
        } else if (!Tag.STR.equals(WRITING.resolve(s, true))) {
            style = ScalarStyle.DOUBLE_QUOTED; // "2024-11-12T13:33:42Z" and "", as go-yaml quotes them
        } else {
            style = ScalarStyle.PLAIN; // the emitter still quotes when plain is not possible
        }
        return new ScalarNode(Tag.STR, s, style);
    }

    /** Characters a literal or plain scalar would not carry through intact (line breaks other than \n, controls). */
    private static boolean needsEscapes(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029' || c == '\uFEFF'
                    || (c < 0x20 && c != '\n' && c != '\t') || (c >= 0x7F && c < 0xA0)
                    || Character.isSurrogate(c) && !validSurrogatePair(s, i)) {
                return true;
            }
        }
        return false;
    }

    private static boolean validSurrogatePair(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
