package dev.driftless.load;

import dev.driftless.model.Location;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.LoadSettingsBuilder;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.constructor.StandardConstructor;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.ScalarEvent;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.parser.Parser;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * How much YAML Driftless reads from a commit or from a file it is handed, and the one way to read it.
 * snakeyaml's composer recurses once per level and has no depth limit of its own, and an alias stands
 * for everything its anchor holds; so the levels are counted as the parser (which does not recurse)
 * hands them over, and every document is measured with its aliases expanded before anyone walks it.
 *
 * @param maxDepth the most lists and mappings nested in one another, counted with aliases expanded
 * @param maxNodes the most nodes (scalars, lists, mappings; keys included) per file, with aliases expanded
 * @param maxCodePoints the longest file, in characters
 */
public record YamlLimits(int maxDepth, int maxNodes, int maxCodePoints) {

    public static final YamlLimits DEFAULT = new YamlLimits(64, 100_000, 8 * 1024 * 1024);

    /** Settings with these limits and snakeyaml's own on aliases (50 to lists and mappings per file). */
    public LoadSettingsBuilder settings(String label) {
        return LoadSettings.builder().setLabel(label).setMaxAliasesForCollections(50).setCodePointLimit(maxCodePoints);
    }

    /** The one document of {@code text}, or empty for an empty file; throws when it is beyond the limits. */
    public Optional<Node> compose(String text, LoadSettings settings) {
        Guard guard = new Guard(new ParserImpl(settings, new StreamReader(settings, text)), settings.getLabel());
        Optional<Node> node = new Composer(settings, guard).getSingleNode();
        node.ifPresent(n -> guard.measure(n));
        return node;
    }

    /** Every document of {@code text}; throws when one is beyond the limits. */
    public List<Node> composeAll(String text, LoadSettings settings) {
        Guard guard = new Guard(new ParserImpl(settings, new StreamReader(settings, text)), settings.getLabel());
        Composer composer = new Composer(settings, guard);
        List<Node> documents = new ArrayList<>();
        while (composer.hasNext()) {
            documents.add(guard.measure(composer.next()));
        }
        return documents;
    }

    /** The one document of {@code text} as plain Java values (maps, lists, strings, numbers), or null. */
    public Object load(String text, String label) {
        LoadSettings settings = settings(label).build();
        return new StandardConstructor(settings).constructSingleDocument(compose(text, settings));
    }

    /** Counts levels and nodes as the parser hands events to the composer, and measures what was composed. */
    private final class Guard implements Parser {

        private final Parser parser;
        private final String file;
        /** The lists and mappings being read, outermost first: where the parser is, for messages. */
        private final Deque<Level> levels = new ArrayDeque<>();
        private long nodes;
        private boolean aliases;

        Guard(Parser parser, String file) {
            this.parser = parser;
            this.file = file;
        }

        @Override
        public boolean checkEvent(Event.ID choice) {
            return parser.checkEvent(choice);
        }

        @Override
        public Event peekEvent() {
            return parser.peekEvent();
        }

        @Override
        public boolean hasNext() {
            return parser.hasNext();
        }

        @Override
        public Event next() {
            Event event = parser.next();
            switch (event.getEventId()) {
                case Alias -> {
                    aliases = true;
                    place(event);
                }
                case Scalar -> counted(event);
                case SequenceStart, MappingStart -> {
                    counted(event);
                    levels.addLast(new Level(event.getEventId() == Event.ID.MappingStart));
                    if (levels.size() > maxDepth) {
                        levels.removeLast();
                        throw tooDeep(where(event));
                    }
                }
                case SequenceEnd, MappingEnd -> levels.removeLast();
                default -> {
                    // stream and document boundaries, comments: not part of any value
                }
            }
            return event;
        }

        private void counted(Event event) {
            place(event);
            if (++nodes > maxNodes) {
                throw new YamlLimitException(where(event), "the file has more than " + String.format("%,d", maxNodes)
                        + " YAML nodes (keys, values, lists and mappings) by this line; Driftless reads at most "
                        + String.format("%,d", maxNodes) + " per file: make it smaller");
            }
        }

        private void place(Event event) {
            Level parent = levels.peekLast();
            if (parent != null) {
                parent.place(event);
            }
        }

        private Location where(Event event) {
            List<String> path = new ArrayList<>();
            levels.forEach(level -> path.add(level.segment()));
            return new Location(file, lineOf(event.getStartMark()), key(path));
        }

        /**
         * Measures a composed document with its aliases expanded, each node once however often it is
         * referred to; a document that never used an alias was measured by counting as it was parsed.
         */
        Node measure(Node document) {
            if (aliases) {
                new Expansion(file).of(document, new ArrayDeque<>());
            }
            return document;
        }
    }

    /** One list or mapping being parsed: how many children it has had, and the last key. */
    private static final class Level {
        private final boolean mapping;
        private int children;
        private String key = "";

        Level(boolean mapping) {
            this.mapping = mapping;
        }

        void place(Event event) {
            if (mapping && children % 2 == 0) {
                key = event instanceof ScalarEvent scalar ? scalar.getValue() : "?";
            }
            children++;
        }

        /** The step from this level to the child being read, as a key path writes it. */
        String segment() {
            return mapping ? "." + key : "[" + Math.max(children - 1, 0) + "]";
        }
    }

    /** What a node stands for with its aliases expanded. */
    private record Size(long nodes, int depth, int aliasDepth) {
    }

    /** Measures nodes with aliases expanded, each distinct node once (so a bomb costs what it is written in). */
    private final class Expansion {
        private final String file;
        private final Map<Node, Size> measured = new IdentityHashMap<>();
        private final Set<Node> open = Collections.newSetFromMap(new IdentityHashMap<>());

        Expansion(String file) {
            this.file = file;
        }

        Size of(Node node, Deque<String> path) {
            Size known = measured.get(node);
            if (known != null) {
                return known;
            }
            if (!open.add(node)) {
                throw new YamlLimitException(where(node, path), "refers to a list or mapping that contains it (an"
                        + " alias inside its own anchor), which would expand without end; remove the alias");
            }
            if (path.size() >= maxDepth) {
                // not reached after the parser's count; it keeps this walk's own recursion bounded regardless
                throw tooDeep(where(node, path));
            }
            long nodes = 1;
            int depth = 1;
            int aliasDepth = 0;
            for (Map.Entry<String, Node> child : children(node)) {
                boolean alias = measured.containsKey(child.getValue());
                path.addLast(child.getKey());
                Size size = of(child.getValue(), path);
                path.removeLast();
                nodes = Math.min(nodes + size.nodes(), (long) maxNodes + 1);
                depth = Math.max(depth, size.depth() + 1);
                aliasDepth = Math.max(aliasDepth, size.aliasDepth() + (alias ? 1 : 0));
            }
            open.remove(node);
            if (nodes > maxNodes) {
                throw new YamlLimitException(where(node, path), "expands to more than " + String.format("%,d", maxNodes)
                        + " YAML nodes (aliases nest " + aliasDepth + " deep); Driftless reads at most "
                        + String.format("%,d", maxNodes) + " per file: write the values out, or use fewer aliases of aliases");
            }
            if (depth > maxDepth) {
                throw new YamlLimitException(where(node, path), "nests lists and mappings more than " + maxDepth
                        + " levels deep once its aliases are expanded (aliases nest " + aliasDepth + " deep); Driftless"
                        + " reads at most " + maxDepth + ": use fewer aliases of aliases");
            }
            Size size = new Size(nodes, depth, aliasDepth);
            measured.put(node, size);
            return size;
        }

        private static List<Map.Entry<String, Node>> children(Node node) {
            List<Map.Entry<String, Node>> children = new ArrayList<>();
            if (node instanceof MappingNode mapping) {
                for (NodeTuple tuple : mapping.getValue()) {
                    String key = "." + (tuple.getKeyNode() instanceof ScalarNode scalar ? scalar.getValue() : "?");
                    children.add(Map.entry(key, tuple.getKeyNode()));
                    children.add(Map.entry(key, tuple.getValueNode()));
                }
            } else if (node instanceof SequenceNode sequence) {
                for (int i = 0; i < sequence.getValue().size(); i++) {
                    children.add(Map.entry("[" + i + "]", sequence.getValue().get(i)));
                }
            }
            return children;
        }

        private Location where(Node node, Deque<String> path) {
            return new Location(file, lineOf(node.getStartMark()), key(path));
        }
    }

    private YamlLimitException tooDeep(Location where) {
        return new YamlLimitException(where, "nests lists and mappings more than " + maxDepth
                + " levels deep; Driftless reads at most " + maxDepth + ": flatten it");
    }

    private static int lineOf(Optional<Mark> mark) {
        return mark.map(m -> m.getLine() + 1).orElse(0);
    }

    /** A key path as the loader writes it ("vars.deep[0]"), its first steps only when it is long. */
    private static String key(Iterable<String> segments) {
        StringBuilder key = new StringBuilder();
        int shown = 0;
        Iterator<String> steps = segments.iterator();
        while (steps.hasNext()) {
            String step = steps.next();
            if (++shown > 6) {
                key.append("...");
                break;
            }
            key.append(step);
        }
        return key.length() > 0 && key.charAt(0) == '.' ? key.substring(1) : key.toString();
    }
}
