package dev.driftless.render;

import io.pebbletemplates.pebble.error.PebbleException;
import io.pebbletemplates.pebble.extension.Filter;
import io.pebbletemplates.pebble.template.EvaluationContext;
import io.pebbletemplates.pebble.template.PebbleTemplate;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.IllegalFormatException;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.IntStream;

/**
 * Pebble's filters that can build far more than they are given, or loop in a regular expression,
 * written again to check the size before building and the time while matching. They read their
 * arguments as Pebble's do. {@code reverse}, {@code sort} and {@code rsort} also return a sorted copy
 * instead of reordering their input in place, which changed a list variable for every host rendered
 * after it.
 */
final class BoundedFilters {

    private final RenderBudget budget;

    BoundedFilters(RenderBudget budget) {
        this.budget = budget;
    }

    /** The replacements, by filter name. */
    Map<String, Filter> all() {
        return Map.of(
                "join", new Bounded(List.of("separator"), this::join),
                "replace", new Bounded(List.of("replace_pairs"), this::replace),
                "format", new Bounded(null, this::format),
                "split", new Bounded(List.of("delimiter", "limit"), this::split),
                "reverse", new Bounded(null, (input, args, self, line) -> sorted(input, null, true, self, line)),
                "sort", new Bounded(null, (input, args, self, line) -> sorted(input, Comparator.naturalOrder(), false,
                        self, line)),
                "rsort", new Bounded(null, (input, args, self, line) -> sorted(input, Comparator.reverseOrder(), false,
                        self, line)));
    }

    /** A filter's work, given its input (never null) and arguments. */
    @FunctionalInterface
    private interface Work {
        Object apply(Object input, Map<String, Object> args, PebbleTemplate self, int line);
    }

    private static final class Bounded implements Filter {

        private final List<String> arguments;
        private final Work work;

        Bounded(List<String> arguments, Work work) {
            this.arguments = arguments;
            this.work = work;
        }

        @Override
        public List<String> getArgumentNames() {
            return arguments;
        }

        @Override
        public Object apply(Object input, Map<String, Object> args, PebbleTemplate self, EvaluationContext context,
                int lineNumber) {
            return input == null ? null : work.apply(input, args, self, lineNumber);
        }
    }

    private Object join(Object input, Map<String, Object> args, PebbleTemplate self, int line) {
        Collection<?> items;
        if (input.getClass().isArray()) {
            items = IntStream.range(0, Array.getLength(input)).mapToObj(i -> Array.get(input, i)).toList();
        } else if (input instanceof Collection<?> collection) {
            items = collection;
        } else {
            throw new PebbleException(null, "The 'join' filter expects that the input is either a collection or an"
                    + " array.", line, self.getName());
        }
        String glue = (String) args.get("separator");
        StringBuilder joined = new StringBuilder();
        boolean first = true;
        for (Object item : items) {
            String text = String.valueOf(item);
            budget.holdText(joined.length() + (first || glue == null ? 0L : glue.length()) + text.length(),
                    self.getName(), line);
            if (!first && glue != null) {
                joined.append(glue);
            }
            joined.append(text);
            first = false;
        }
        return joined.toString();
    }

    private Object replace(Object input, Map<String, Object> args, PebbleTemplate self, int line) {
        if (!(args.get("replace_pairs") instanceof Map<?, ?> pairs)) {
            throw new PebbleException(null, "The argument 'replace_pairs' is required.", line, self.getName());
        }
        String text = input.toString();
        for (Map.Entry<?, ?> pair : pairs.entrySet()) {
            String from = pair.getKey().toString();
            String to = pair.getValue().toString();
            // every occurrence (every gap, for an empty key) grows the text by the difference
            long occurrences = from.isEmpty() ? text.length() + 1L : count(text, from);
            budget.holdText(text.length() + occurrences * (to.length() - from.length()), self.getName(), line);
            text = text.replace(from, to);
        }
        return text;
    }

    private static long count(String text, String part) {
        long found = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
            found++;
        }
        return found;
    }

    // %[index$][flags][width][.precision]conversion: widths and precisions are what can make it large
    private static final Pattern FORMAT_SPECIFIER = Pattern.compile("%(?:\\d+\\$)?[-#+ 0,(<]*(\\d+)?(?:\\.(\\d+))?");

    private Object format(Object input, Map<String, Object> args, PebbleTemplate self, int line) {
        String format = input.toString();
        long padding = 0;
        Matcher specifier = FORMAT_SPECIFIER.matcher(format);
        while (specifier.find()) {
            for (int group = 1; group <= 2; group++) {
                String number = specifier.group(group);
                if (number != null) {
                    // a number too long for a long is more than any limit
                    padding += number.length() > 18 ? Long.MAX_VALUE / 4 : Long.parseLong(number);
                }
            }
        }
        budget.holdText(format.length() + padding, self.getName(), line);
        Object[] values = IntStream.range(0, args.size()).mapToObj(i -> args.get(String.valueOf(i))).toArray();
        try {
            return String.format(format, values);
        } catch (IllegalFormatException e) {
            throw new PebbleException(e, "format: " + e.getMessage(), line, self.getName());
        }
    }

    private Object split(Object input, Map<String, Object> args, PebbleTemplate self, int line) {
        if (!(args.get("delimiter") instanceof String delimiter)) {
            throw new PebbleException(null, "missing delimiter parameter in split filter", line, self.getName());
        }
        Number limit = (Number) args.get("limit");
        try {
            // as String.split does, but matching against text that asks the budget as it is read: a
            // pattern that backtracks for ever stops at the time limit
            return Pattern.compile(delimiter).split(new TimedText((String) input, self.getName(), line),
                    limit == null ? 0 : limit.intValue());
        } catch (PatternSyntaxException e) {
            throw new PebbleException(e, "split: " + e.getDescription() + " in '" + delimiter + "'", line,
                    self.getName());
        }
    }

    /** Text whose reader asks the budget every few thousand characters read. */
    private final class TimedText implements CharSequence {

        private final String text;
        private final String template;
        private final int line;
        private int reads;

        TimedText(String text, String template, int line) {
            this.text = text;
            this.template = template;
            this.line = line;
        }

        @Override
        public char charAt(int index) {
            if ((++reads & 0xFFF) == 0) {
                budget.check(template, line);
            }
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return text.subSequence(start, end);
        }

        @Override
        public String toString() {
            return text;
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private List<Object> sorted(Object input, Comparator order, boolean reverse, PebbleTemplate self, int line) {
        List<Object> copy;
        if (input instanceof Collection<?> collection) {
            budget.holdEntries(collection.size(), self.getName(), line);
            copy = new ArrayList<>(collection);
        } else if (input instanceof Object[] array) {
            budget.holdEntries(array.length, self.getName(), line);
            copy = new ArrayList<>(Arrays.asList(array));
        } else {
            throw new PebbleException(null, "reverse, sort and rsort take a list, not " + input.getClass()
                    .getSimpleName(), line, self.getName());
        }
        if (order != null) {
            copy.sort(order);
        }
        if (reverse) {
            Collections.reverse(copy);
        }
        return copy;
    }
}
