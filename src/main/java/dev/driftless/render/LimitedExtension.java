package dev.driftless.render;

import io.pebbletemplates.pebble.error.PebbleException;
import io.pebbletemplates.pebble.extension.Extension;
import io.pebbletemplates.pebble.extension.ExtensionCustomizer;
import io.pebbletemplates.pebble.extension.Filter;
import io.pebbletemplates.pebble.extension.Function;
import io.pebbletemplates.pebble.extension.core.DefaultFilter;
import io.pebbletemplates.pebble.extension.escaper.EscapeFilter;
import io.pebbletemplates.pebble.extension.escaper.SafeString;
import io.pebbletemplates.pebble.node.expression.BinaryExpression;
import io.pebbletemplates.pebble.operator.BinaryOperator;
import io.pebbletemplates.pebble.operator.BinaryOperatorImpl;
import io.pebbletemplates.pebble.template.EvaluationContext;
import io.pebbletemplates.pebble.template.EvaluationContextImpl;
import io.pebbletemplates.pebble.template.PebbleTemplate;
import io.pebbletemplates.pebble.template.PebbleTemplateImpl;
import io.pebbletemplates.pebble.utils.OperatorUtils;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One of Pebble's own extensions (core, escaper, i18n), with every filter and function asking the
 * budget before it runs and refusing a result above the size limit, the filters that can build
 * without bound replaced by {@link BoundedFilters}, {@code range} by {@link LazyRange}, and the
 * operators {@code ~} and {@code +} checking the size of what they join before joining it: doubling a
 * text in a loop ({@code {% set s = s ~ s %}}) stops at the limit instead of exhausting memory.
 */
final class LimitedExtension extends ExtensionCustomizer {

    private final RenderBudget budget;

    LimitedExtension(Extension pebbles, RenderBudget budget) {
        super(pebbles);
        this.budget = budget;
    }

    @Override
    public Map<String, Filter> getFilters() {
        Map<String, Filter> filters = super.getFilters();
        if (filters == null) {
            return null;
        }
        Map<String, Filter> replacements = new BoundedFilters(budget).all();
        Map<String, Filter> limited = new HashMap<>();
        filters.forEach((name, filter) -> limited.put(name, limited(replacements.getOrDefault(name, filter))));
        return limited;
    }

    @Override
    public Map<String, Function> getFunctions() {
        Map<String, Function> functions = super.getFunctions();
        if (functions == null) {
            return null;
        }
        Map<String, Function> limited = new HashMap<>();
        functions.forEach((name, function) -> limited.put(name, name.equals("range") ? new LazyRange(budget)
                : new LimitedFunction(function)));
        return limited;
    }

    @Override
    public List<BinaryOperator> getBinaryOperators() {
        List<BinaryOperator> operators = super.getBinaryOperators();
        if (operators == null) {
            return null;
        }
        return operators.stream().map(operator -> switch (operator.getSymbol()) {
            case "~" -> replaced(operator, () -> new Joined(true));
            case "+" -> replaced(operator, () -> new Joined(false));
            default -> operator;
        }).toList();
    }

    private static BinaryOperator replaced(BinaryOperator operator, Supplier<BinaryExpression<?>> expression) {
        return new BinaryOperatorImpl(operator.getSymbol(), operator.getPrecedence(), expression, operator.getType(),
                operator.getAssociativity());
    }

    /** Asks the budget before, measures the result after. */
    private Object limited(Supplier<Object> call, PebbleTemplate self, int line) {
        budget.check(self.getName(), line);
        Object result = call.get();
        measure(result, self.getName(), line);
        return result;
    }

    private void measure(Object value, String template, int line) {
        if (value instanceof CharSequence text) {
            budget.holdText(text.length(), template, line);
        } else if (value instanceof SafeString safe) {
            budget.holdText(safe.toString().length(), template, line);
        } else if (value instanceof Collection<?> collection && !(value instanceof LazyRange.Steps)) {
            budget.holdEntries(collection.size(), template, line);
        } else if (value instanceof Map<?, ?> map) {
            budget.holdEntries(map.size(), template, line);
        } else if (value instanceof Object[] array) {
            budget.holdEntries(array.length, template, line);
        }
    }

    // Pebble treats these two by their class: a subclass keeps their special treatment
    private Filter limited(Filter filter) {
        if (filter instanceof DefaultFilter) {
            return new DefaultFilter() {
                @Override
                public Object apply(Object input, Map<String, Object> args, PebbleTemplate self,
                        EvaluationContext context, int line) {
                    return limited(() -> super.apply(input, args, self, context, line), self, line);
                }
            };
        }
        if (filter instanceof EscapeFilter) {
            return new EscapeFilter() {
                @Override
                public Object apply(Object input, Map<String, Object> args, PebbleTemplate self,
                        EvaluationContext context, int line) {
                    return limited(() -> super.apply(input, args, self, context, line), self, line);
                }
            };
        }
        return new Filter() {
            @Override
            public List<String> getArgumentNames() {
                return filter.getArgumentNames();
            }

            @Override
            public Object apply(Object input, Map<String, Object> args, PebbleTemplate self, EvaluationContext context,
                    int line) {
                return limited(() -> filter.apply(input, args, self, context, line), self, line);
            }
        };
    }

    private final class LimitedFunction implements Function {

        private final Function function;

        LimitedFunction(Function function) {
            this.function = function;
        }

        @Override
        public List<String> getArgumentNames() {
            return function.getArgumentNames();
        }

        @Override
        public Object execute(Map<String, Object> args, PebbleTemplate self, EvaluationContext context, int line) {
            return limited(() -> function.execute(args, self, context, line), self, line);
        }
    }

    /** {@code a ~ b} (always text), or {@code a + b} (text, a longer list, or a sum), within the size limit. */
    private final class Joined extends BinaryExpression<Object> {

        private final boolean text;

        Joined(boolean text) {
            this.text = text;
        }

        @Override
        public Object evaluate(PebbleTemplateImpl self, EvaluationContextImpl context) {
            Object left = getLeftExpression().evaluate(self, context);
            Object right = getRightExpression().evaluate(self, context);
            if (text || left instanceof CharSequence || right instanceof CharSequence || left instanceof SafeString
                    || right instanceof SafeString) {
                String l = text && left == null ? "" : String.valueOf(left);
                String r = text && right == null ? "" : String.valueOf(right);
                budget.holdText((long) l.length() + r.length(), self.getName(), getLineNumber());
                return l + r;
            }
            if (left instanceof List<?> list) {
                budget.holdEntries(list.size() + (right instanceof Collection<?> more ? (long) more.size() : 1L),
                        self.getName(), getLineNumber());
            }
            try {
                return OperatorUtils.add(left, right);
            } catch (RuntimeException e) {
                throw new PebbleException(e, "Could not perform addition",
                        getLineNumber(), self.getName());
            }
        }
    }
}
