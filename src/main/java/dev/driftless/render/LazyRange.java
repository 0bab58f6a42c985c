package dev.driftless.render;

import io.pebbletemplates.pebble.error.PebbleException;
import io.pebbletemplates.pebble.extension.Function;
import io.pebbletemplates.pebble.template.EvaluationContext;
import io.pebbletemplates.pebble.template.PebbleTemplate;
import java.util.AbstractList;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;

/**
 * Pebble's {@code range(start, end[, step])}, and so its {@code a..b} operator, which calls it: the
 * same numbers (or characters), as a list that computes each one when asked instead of building them
 * all. Pebble's own builds the whole list first: range(0, 2000000000) exhausted memory before the
 * first step. Every value read asks the budget, so that loops with no output stop too.
 */
final class LazyRange implements Function {

    private static final List<String> ARGUMENTS = List.of("start", "end", "increment");

    private final RenderBudget budget;

    LazyRange(RenderBudget budget) {
        this.budget = budget;
    }

    @Override
    public List<String> getArgumentNames() {
        return ARGUMENTS;
    }

    @Override
    public Object execute(Map<String, Object> args, PebbleTemplate self, EvaluationContext context, int lineNumber) {
        Object start = args.get("start");
        Object end = args.get("end");
        Object increment = args.get("increment") == null ? 1L : args.get("increment");
        if (!(increment instanceof Number step)) {
            throw new PebbleException(null, "The increment of the range function must be a number " + increment,
                    lineNumber, self.getName());
        }
        if (step.longValue() == 0) {
            throw new PebbleException(null, "The increment of the range function must be different than 0",
                    lineNumber, self.getName());
        }
        if (start instanceof Number from && end instanceof Number to) {
            return new Steps(from.longValue(), to.longValue(), step.longValue(), false, self.getName(), lineNumber);
        }
        if (start instanceof String from && end instanceof String to && from.length() == 1 && to.length() == 1) {
            return new Steps(from.charAt(0), to.charAt(0), step.longValue(), true, self.getName(), lineNumber);
        }
        throw new PebbleException(null, "Arguments of range function must be of type Number or String with a length"
                + " of 1", lineNumber, self.getName());
    }

    /** The values start, start + step, ... up to end included, as Long (or Character). */
    final class Steps extends AbstractList<Object> implements RandomAccess {

        private final long start;
        private final long step;
        private final int size;
        private final boolean characters;
        private final String template;
        private final int line;

        Steps(long start, long end, long step, boolean characters, String template, int line) {
            this.start = start;
            this.step = step;
            this.characters = characters;
            this.template = template;
            this.line = line;
            long count = 0;
            if (step > 0 ? end >= start : end <= start) {
                try {
                    count = Math.subtractExact(end, start) / step + 1;
                } catch (ArithmeticException e) {
                    count = Long.MAX_VALUE; // from near Long.MIN_VALUE to near Long.MAX_VALUE
                }
            }
            if (count > Integer.MAX_VALUE) {
                throw new PebbleException(null, "range(" + start + ", " + end + ", " + step + ") has more than "
                        + Integer.MAX_VALUE + " values", line, template);
            }
            this.size = (int) count;
        }

        // every walk through the list (for, contains, join, last, equals, ...) comes here at each step
        @Override
        public Object get(int index) {
            budget.check(template, line);
            if (index < 0 || index >= size) {
                throw new IndexOutOfBoundsException("index " + index + " of a range of " + size);
            }
            long value = start + index * step;
            return characters ? (Object) (char) value : (Object) value;
        }

        @Override
        public int size() {
            return size;
        }

        // copying (sort, merge, a list built with +) makes the list real: only within the size limit
        @Override
        public Object[] toArray() {
            budget.holdEntries(size, template, line);
            return super.toArray();
        }

        @Override
        public <T> T[] toArray(T[] array) {
            budget.holdEntries(size, template, line);
            return super.toArray(array);
        }
    }
}
