package dev.driftless.render;

import io.pebbletemplates.pebble.attributes.methodaccess.MethodAccessValidator;
import java.lang.reflect.Method;

/**
 * Which Java methods a template may reach through {@code value.name}: it reads values, it never
 * changes or grows them. Pebble calls any public method by default: {@code 'x'.repeat(2000000000)}
 * built two gigabytes in one call, and {@code items.clear()} emptied a list variable for every host
 * rendered after it. Allowed are methods without arguments of texts, numbers and booleans, which
 * cannot change, and of anything else getters without arguments ({@code loop.index}, an entry's
 * {@code key}), {@code size} and {@code length}.
 */
final class ReadOnlyMethods implements MethodAccessValidator {

    @Override
    public boolean isMethodAccessAllowed(Object object, Method method) {
        if (method.getParameterCount() > 0 || method.getName().equals("getClass")) {
            return false;
        }
        if (object instanceof String || object instanceof Number || object instanceof Boolean
                || object instanceof Character) {
            return true;
        }
        String name = method.getName();
        return name.startsWith("get") || name.startsWith("is") || name.startsWith("has") || name.equals("size")
                || name.equals("length");
    }
}
