package dev.driftless.secrets.sops;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.driftless.secrets.SecretException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON as sops reads and writes it: a top-level object in file order; integers that fit 64 bits become Long,
 * other numbers Double; written with tab indentation and Go's escaping ({@code <} as {@code \u003c}).
 */
final class JsonCodec {

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(500).build())
            .build();

    private JsonCodec() {
    }

    static Map<String, Object> parse(byte[] content, String displayName) throws SecretException {
        try (JsonParser parser = FACTORY.createParser(content)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new SecretException(displayName + " is empty; a JSON sops file holds an object ({...})");
            }
            if (first != JsonToken.START_OBJECT) {
                throw new SecretException(displayName + ": the top level of the JSON document must be an object"
                        + " ({...}); wrap anything else in one, e.g. {\"data\": [...]}");
            }
            Map<String, Object> tree = object(parser, displayName);
            if (parser.nextToken() != null) {
                throw new SecretException(displayName + ": there is more JSON after the top-level object"
                        + at(parser.currentTokenLocation()));
            }
            return tree;
        } catch (JsonProcessingException e) {
            // Jackson's own message can quote the offending token, which may be a secret: only say where.
            throw new SecretException(displayName + " is not valid JSON" + at(e.getLocation()));
        } catch (IOException e) {
            throw new SecretException(displayName + " cannot be read as JSON (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static String at(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return "";
        }
        return " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    private static Map<String, Object> object(JsonParser parser, String file) throws IOException, SecretException {
        Map<String, Object> map = new LinkedHashMap<>();
        JsonToken token;
        while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonLocation where = parser.currentTokenLocation();
            parser.nextToken();
            Object value = value(parser, file);
            if (map.containsKey(name)) {
                throw new SecretException(file + ": the key \"" + name + "\" appears twice in one object" + at(where));
            }
            map.put(name, value);
        }
        if (token != JsonToken.END_OBJECT) {
            throw new SecretException(file + " is not valid JSON" + at(parser.currentTokenLocation()));
        }
        return map;
    }

    private static Object value(JsonParser parser, String file) throws IOException, SecretException {
        JsonToken token = parser.currentToken();
        if (token == null) {
            throw new SecretException(file + " is not valid JSON: it ends too early");
        }
        switch (token) {
            case START_OBJECT:
                return object(parser, file);
            case START_ARRAY: {
                List<Object> list = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    list.add(value(parser, file));
                }
                return list;
            }
            case VALUE_STRING:
                return parser.getText();
            case VALUE_NUMBER_INT:
                if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    return finite(parser, file); // beyond int64: a float64, as sops reads it
                }
                return parser.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return finite(parser, file);
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw new SecretException(file + " is not valid JSON" + at(parser.currentTokenLocation()));
        }
    }

    private static Double finite(JsonParser parser, String file) throws IOException, SecretException {
        double d = parser.getDoubleValue();
        if (Double.isInfinite(d)) {
            throw new SecretException(file + ": a number is out of range" + at(parser.currentTokenLocation()));
        }
        return d;
    }

    // ---- writing -------------------------------------------------------------------------------------------

    /** The document as sops writes it: tab-indented, "key": value, a final newline. */
    static String emit(Map<String, ?> tree) throws SecretException {
        StringBuilder out = new StringBuilder();
        write(out, tree, 0);
        return out.append('\n').toString();
    }

    private static void write(StringBuilder out, Object value, int depth) throws SecretException {
        if (value instanceof Map<?, ?> map) {
            if (map.isEmpty()) {
                out.append("{}");
                return;
            }
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.append(first ? "\n" : ",\n");
                first = false;
                indent(out, depth + 1);
                string(out, (String) e.getKey());
                out.append(": ");
                write(out, e.getValue(), depth + 1);
            }
            out.append('\n');
            indent(out, depth);
            out.append('}');
        } else if (value instanceof List<?> list) {
            if (list.isEmpty()) {
                out.append("[]");
                return;
            }
            out.append('[');
            boolean first = true;
            for (Object item : list) {
                out.append(first ? "\n" : ",\n");
                first = false;
                indent(out, depth + 1);
                write(out, item, depth + 1);
            }
            out.append('\n');
            indent(out, depth);
            out.append(']');
        } else if (value == null) {
            out.append("null");
        } else if (value instanceof Boolean || value instanceof Long) {
            out.append(value);
        } else if (value instanceof Double d) {
            if (d.isNaN() || d.isInfinite()) {
                throw new SecretException("JSON cannot hold NaN or infinity; use a string");
            }
            // As Go writes it (42.0 as "42", which reads back as an integer: JSON does not tell them apart), but
            // -0.0 as "-0.0": "-0" would read back as the integer 0, whose MAC text "0" differs from "-0".
            out.append(d == 0 && Double.doubleToRawLongBits(d) < 0 ? "-0.0" : GoText.jsonFloat(d));
        } else if (value instanceof byte[] bytes) {
            string(out, new String(bytes, StandardCharsets.UTF_8));
        } else {
            string(out, (String) value);
        }
    }

    private static void indent(StringBuilder out, int depth) {
        for (int i = 0; i < depth; i++) {
            out.append('\t');
        }
    }

    /** encoding/json's string escaping, HTML characters included. */
    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '<', '>', '&', '\u2028', '\u2029' -> out.append(String.format("\\u%04x", (int) c));
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else if (Character.isSurrogate(c) && !pairAt(s, i)) {
                        out.append("\\ufffd"); // Go replaces invalid UTF-16/UTF-8 with U+FFFD
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static boolean pairAt(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
