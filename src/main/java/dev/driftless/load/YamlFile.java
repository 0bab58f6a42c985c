package dev.driftless.load;

import dev.driftless.model.Location;
import dev.driftless.model.Problem;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.constructor.StandardConstructor;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.ReaderException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * One YAML file of the repository, parsed to nodes so that every value keeps its line. The typed
 * accessors record a {@link Problem} (file, line, key) and return empty instead of throwing, so the
 * loader reports every mistake of a file at once.
 */
final class YamlFile {

    private final String file;
    private final List<Problem> problems;
    private final LoadSettings settings;

    private YamlFile(String file, List<Problem> problems, LoadSettings settings) {
        this.file = file;
        this.problems = problems;
        this.settings = settings;
    }

    /** Parses {@code bytes}; returns the top-level mapping or empty (with a problem recorded). */
    static Optional<Mapping> parse(String file, byte[] bytes, List<Problem> problems) {
        LoadSettings settings = YamlLimits.DEFAULT.settings(file).setAllowDuplicateKeys(true).build();
        YamlFile yaml = new YamlFile(file, problems, settings);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            problems.add(new Problem(Location.of(file), "is not valid UTF-8 text"));
            return Optional.empty();
        }
        Optional<Node> root;
        try {
            root = YamlLimits.DEFAULT.compose(text, settings);
        } catch (YamlLimitException e) {
            problems.add(new Problem(e.where(), e.reason()));
            return Optional.empty();
        } catch (MarkedYamlEngineException e) {
            problems.add(malformed(file, e));
            return Optional.empty();
        } catch (ReaderException e) {
            // the reader only knows a position; the user needs the line and which character it is
            int line = 1 + (int) text.codePoints().limit(e.getPosition()).filter(c -> c == '\n').count();
            problems.add(new Problem(new Location(file, line, ""), String.format("malformed YAML: the character U+%04X"
                    + " is not allowed in YAML (a control or non-printable character); remove it", e.getCodePoint())));
            return Optional.empty();
        } catch (YamlEngineException e) {
            problems.add(new Problem(Location.of(file), "malformed YAML: " + firstLine(e.getMessage())));
            return Optional.empty();
        }
        if (root.isEmpty() || isNull(root.get())) {
            problems.add(new Problem(new Location(file, 1, ""), "is empty; it must be a mapping of keys"));
            return Optional.empty();
        }
        return yaml.mapping(root.get(), "");
    }

    /**
     * A scanner error ("while scanning a quoted scalar") is reported on the line where the token
     * starts, since that is what the user must fix; the end of the file, where the scanner gave up,
     * is only mentioned. A parser error is reported where it was found.
     */
    private static Problem malformed(String file, MarkedYamlEngineException e) {
        int found = e.getProblemMark().or(e::getContextMark).map(m -> m.getLine() + 1).orElse(0);
        String context = e.getContext() == null || e.getContext().isBlank() ? "" : firstLine(e.getContext());
        int started = e.getContextMark().map(m -> m.getLine() + 1).orElse(found);
        if (context.startsWith("while scanning") && started != found) {
            return new Problem(new Location(file, started, ""), "malformed YAML: " + firstLine(e.getProblem())
                    + " on line " + found + " (" + context + " that starts on line " + started + ")");
        }
        return new Problem(new Location(file, found, ""), "malformed YAML: " + firstLine(e.getProblem())
                + (context.isEmpty() ? "" : " (" + context + ")"));
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "syntax error";
        }
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }

    private static boolean isNull(Node node) {
        return node instanceof ScalarNode scalar && scalar.getTag().equals(Tag.NULL);
    }

    static int lineOf(Node node) {
        return node.getStartMark().map(Mark::getLine).map(l -> l + 1).orElse(0);
    }

    Location location(Node node, String key) {
        return new Location(file, lineOf(node), key);
    }

    void problem(Node node, String key, String message) {
        problems.add(new Problem(location(node, key), message));
    }

    Optional<Mapping> mapping(Node node, String key) {
        return mapping(node, key, lineOf(node));
    }

    /**
     * The value of a key as a mapping, located on the key's line: a missing required key of a block
     * mapping is then reported where the user declared the entry, not on its first child line.
     */
    Optional<Mapping> mapping(NodeTuple entry, String key) {
        return mapping(entry.getValueNode(), key, lineOf(entry.getKeyNode()));
    }

    private Optional<Mapping> mapping(Node node, String key, int line) {
        if (node instanceof MappingNode map) {
            return Optional.of(new Mapping(this, map, key, line));
        }
        problem(node, key, "must be a mapping (key: value lines), not " + describe(node));
        return Optional.empty();
    }

    Optional<List<Node>> sequence(Node node, String key) {
        if (node instanceof SequenceNode seq) {
            return Optional.of(seq.getValue());
        }
        problem(node, key, "must be a list, not " + describe(node));
        return Optional.empty();
    }

    /** A scalar as its literal text (so "0644" and 0644 read the same), or empty with a problem. */
    Optional<String> text(Node node, String key) {
        if (node instanceof ScalarNode scalar && !scalar.getTag().equals(Tag.NULL)) {
            return Optional.of(scalar.getValue());
        }
        problem(node, key, "must be a single value, not " + describe(node));
        return Optional.empty();
    }

    /** A list of scalars; a single scalar is not accepted (lists are written [a, b]). */
    List<String> textList(Node node, String key) {
        List<String> values = new ArrayList<>();
        sequence(node, key).ifPresent(items -> {
            for (int i = 0; i < items.size(); i++) {
                text(items.get(i), key + "[" + i + "]").ifPresent(values::add);
            }
        });
        return values;
    }

    /** Where each item of a list is, keyed {@code key[i]}; empty when the node is not a list. */
    List<Location> itemLocations(Node node, String key) {
        List<Location> locations = new ArrayList<>();
        if (node instanceof SequenceNode seq) {
            for (int i = 0; i < seq.getValue().size(); i++) {
                locations.add(location(seq.getValue().get(i), key + "[" + i + "]"));
            }
        }
        return locations;
    }

    /** Template variables: plain Java values (strings, numbers, booleans, lists, maps). */
    Map<String, Object> variables(Node node, String key) {
        if (!(node instanceof MappingNode)) {
            problem(node, key, "must be a mapping of variable names to values, not " + describe(node));
            return Map.of();
        }
        // built value by value, so that each problem names its own line and duplicates are caught
        // as in every other mapping of the repository
        Map<String, Object> vars = new LinkedHashMap<>();
        Map<String, Integer> firstLines = new LinkedHashMap<>();
        for (NodeTuple tuple : ((MappingNode) node).getValue()) {
            Node k = tuple.getKeyNode();
            // true, 12 or null as a key is read by YAML as a boolean, number or null: not a name
            boolean text = k instanceof ScalarNode scalar && scalar.getTag().equals(Tag.STR);
            String name = k instanceof ScalarNode scalar ? scalar.getValue() : describe(k);
            String where = key + "." + name;
            if (!text || !Names.VARIABLE.matcher(name).matches()) {
                problem(k, where, "is not a valid variable name (letters, digits and _, not starting with a digit)");
                continue;
            }
            if (name.equals("host")) {
                problem(k, where, "is reserved: templates get the host's name, groups and address as 'host'");
                continue;
            }
            if (firstLines.containsKey(name)) {
                problem(k, where, "is given twice (first on line " + firstLines.get(name) + ")");
                continue;
            }
            firstLines.put(name, lineOf(k));
            Node value = tuple.getValueNode();
            if (isNull(value)) {
                problem(k, where, "has no value; write '' for an empty text");
                continue;
            }
            plain(value, where).ifPresent(v -> vars.put(name, v));
        }
        return vars;
    }

    /** A value as plain Java values (strings, numbers, booleans, lists, maps), or empty with a problem. */
    Optional<Object> plain(Node value, String key) {
        try {
            return Optional.ofNullable(new StandardConstructor(settings).constructSingleDocument(Optional.of(value)));
        } catch (YamlEngineException e) {
            problem(value, key, "cannot be read: " + firstLine(e.getMessage()));
            return Optional.empty();
        }
    }

    static String describe(Node node) {
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        if (node instanceof ScalarNode scalar && scalar.getTag().equals(Tag.NULL)) {
            return "an empty value";
        }
        return "a single value";
    }

    /** A YAML mapping with string keys, checked against the keys a place allows. */
    static final class Mapping {
        private final YamlFile yaml;
        private final MappingNode node;
        private final String key;
        private final int line;
        private final Map<String, NodeTuple> entries = new LinkedHashMap<>();

        Mapping(YamlFile yaml, MappingNode node, String key, int line) {
            this.yaml = yaml;
            this.node = node;
            this.key = key;
            this.line = line;
            for (NodeTuple tuple : node.getValue()) {
                Node k = tuple.getKeyNode();
                if (!(k instanceof ScalarNode scalar) || scalar.getTag().equals(Tag.NULL)) {
                    yaml.problem(k, key, "keys must be plain names, not " + describe(k));
                    continue;
                }
                String name = scalar.getValue();
                if (entries.containsKey(name)) {
                    yaml.problem(k, child(name), "is given twice (first on line "
                            + lineOf(entries.get(name).getKeyNode()) + ")");
                    continue;
                }
                entries.put(name, tuple);
            }
        }

        YamlFile yaml() {
            return yaml;
        }

        Node node() {
            return node;
        }

        String key() {
            return key;
        }

        String child(String name) {
            return key.isEmpty() ? name : key + "." + name;
        }

        Location location() {
            return new Location(yaml.file, line, key);
        }

        /** Records an error for every key not in {@code allowed}, suggesting the closest allowed key. */
        void allowOnly(Set<String> allowed) {
            entries.forEach((name, tuple) -> {
                if (!allowed.contains(name)) {
                    String suggestion = Names.closest(name, allowed).map(s -> "did you mean '" + s + "'? ").orElse("");
                    yaml.problem(tuple.getKeyNode(), child(name), "unknown key (" + suggestion + "allowed here: "
                            + String.join(", ", allowed) + ")");
                }
            });
        }

        Map<String, NodeTuple> entries() {
            return entries;
        }

        boolean has(String name) {
            return entries.containsKey(name);
        }

        Optional<Node> value(String name) {
            NodeTuple tuple = entries.get(name);
            return tuple == null ? Optional.empty() : Optional.of(tuple.getValueNode());
        }

        Optional<Node> required(String name, String hint) {
            Optional<Node> value = value(name);
            if (value.isEmpty()) {
                yaml.problems.add(new Problem(new Location(yaml.file, line, child(name)),
                        "is required but missing" + (hint.isEmpty() ? "" : " (" + hint + ")")));
            }
            return value;
        }

        Optional<String> text(String name) {
            return value(name).flatMap(v -> yaml.text(v, child(name)));
        }

        int line(String name) {
            NodeTuple tuple = entries.get(name);
            return tuple == null ? line : lineOf(tuple.getKeyNode());
        }

        Location locationOf(String name) {
            return new Location(yaml.file, line(name), child(name));
        }

        void problem(String name, String message) {
            yaml.problems.add(new Problem(locationOf(name), message));
        }

        /** A problem with the mapping as a whole, on the line it starts. */
        void problem(String message) {
            yaml.problems.add(new Problem(location(), message));
        }
    }
}
