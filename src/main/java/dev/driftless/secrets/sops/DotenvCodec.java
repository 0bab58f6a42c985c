package dev.driftless.secrets.sops;

import dev.driftless.secrets.SecretException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Dotenv as sops reads and writes it: {@code KEY=value} lines taken literally (no quotes, no {@code export}), the
 * two characters {@code \n} standing for a newline, {@code #} comment lines, blank lines dropped.
 */
final class DotenvCodec {

    /** One non-blank line. */
    sealed interface Line permits Comment, Entry {
    }

    /** A comment line, without its '#'. */
    record Comment(String text) implements Line {
        @Override
        public String toString() {
            return "Comment";
        }
    }

    /** A KEY=value line. */
    record Entry(String key, String value, int lineNumber) implements Line {
        @Override
        public String toString() {
            return "Entry[" + key + "]";
        }
    }

    private DotenvCodec() {
    }

    static List<Line> parse(String text, String displayName) throws SecretException {
        List<Line> lines = new ArrayList<>();
        String[] raw = text.split("\n", -1);
        for (int i = 0; i < raw.length; i++) {
            String line = raw[i];
            if (line.isEmpty()) {
                continue;
            }
            if (line.charAt(0) == '#') {
                lines.add(new Comment(line.substring(1)));
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                // The line itself is not shown: it may be a secret.
                throw new SecretException(displayName + " line " + (i + 1) + " is not KEY=VALUE (no '=')");
            }
            lines.add(new Entry(line.substring(0, eq), line.substring(eq + 1).replace("\\n", "\n"), i + 1));
        }
        return lines;
    }

    /** Writes comments and entries; values must be strings or scalars. */
    static String emit(List<Line> lines) throws SecretException {
        StringBuilder out = new StringBuilder();
        for (Line line : lines) {
            if (line instanceof Comment comment) {
                out.append('#').append(comment.text().replace("\n", " ")).append('\n');
            } else {
                Entry entry = (Entry) line;
                checkKey(entry.key());
                out.append(entry.key()).append('=').append(entry.value().replace("\n", "\\n")).append('\n');
            }
        }
        return out.toString();
    }

    static String emit(Map<String, ?> tree) throws SecretException {
        List<Line> lines = new ArrayList<>();
        for (Map.Entry<String, ?> e : tree.entrySet()) {
            lines.add(new Entry(e.getKey(), scalarText(e.getKey(), e.getValue()), 0));
        }
        return emit(lines);
    }

    static void checkKey(String key) throws SecretException {
        if (key.isEmpty() || key.startsWith("#") || key.indexOf('=') >= 0 || key.indexOf('\n') >= 0) {
            throw new SecretException("'" + key.replace("\n", "\\n") + "' cannot be a dotenv key: keys must be"
                    + " non-empty, without '=' or newlines, and not start with '#'");
        }
    }

    /** A value's text in a dotenv file; nested values have none. */
    static String scalarText(String key, Object value) throws SecretException {
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Boolean || value instanceof Long || value instanceof Integer) {
            return value.toString();
        }
        if (value instanceof Double d) {
            return GoText.formatFloatF(d);
        }
        if (value instanceof byte[] bytes) {
            return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        }
        throw new SecretException("the entry '" + key + "' is " + (value == null ? "null" : "nested")
                + "; a dotenv file holds only KEY=string lines");
    }
}
