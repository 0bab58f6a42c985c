package dev.driftless.render;

import dev.driftless.secrets.SecretException;
import io.pebbletemplates.pebble.error.PebbleException;
import io.pebbletemplates.pebble.extension.AbstractExtension;
import io.pebbletemplates.pebble.extension.Function;
import io.pebbletemplates.pebble.template.EvaluationContext;
import io.pebbletemplates.pebble.template.PebbleTemplate;
import java.util.List;
import java.util.Map;

/**
 * The template function {@code secret('name')}: the value from the service's secrets, decrypted in
 * memory. Using it marks the file being rendered as sensitive (see {@link SecretUse}).
 */
final class SecretFunction extends AbstractExtension implements Function {

    @Override
    public Map<String, Function> getFunctions() {
        return Map.of("secret", this);
    }

    @Override
    public List<String> getArgumentNames() {
        return List.of("name");
    }

    @Override
    public Object execute(Map<String, Object> args, PebbleTemplate self, EvaluationContext context, int lineNumber) {
        SecretUse use = (SecretUse) context.getVariable(SecretUse.VARIABLE);
        Object name = args.get("name");
        if (!(name instanceof String text)) {
            throw new PebbleException(null, "secret() takes the name of a secret as a quoted string, such as"
                    + " secret('db_password')", lineNumber, self.getName());
        }
        try {
            return use.value(text);
        } catch (SecretException e) {
            throw new PebbleException(null, e.getMessage(), lineNumber, self.getName());
        }
    }

    /** The secrets one template rendering may read, and whether it read any. */
    static final class SecretUse {

        // not a valid template variable name, so no template or vars: entry can reach or replace it
        static final String VARIABLE = "driftless:secrets";

        private final dev.driftless.secrets.Secrets secrets;
        private String serviceDirectory;
        private boolean used;

        SecretUse(dev.driftless.secrets.Secrets secrets) {
            this.secrets = secrets;
        }

        void start(String serviceDirectory) {
            this.serviceDirectory = serviceDirectory;
            this.used = false;
        }

        boolean used() {
            return used;
        }

        String value(String name) throws SecretException {
            used = true;
            return secrets.value(serviceDirectory, name);
        }
    }
}
