package dev.driftless.render;

import dev.driftless.secrets.SecretException;
import dev.driftless.secrets.Secrets;
import io.pebbletemplates.pebble.error.PebbleException;
import io.pebbletemplates.pebble.extension.AbstractExtension;
import io.pebbletemplates.pebble.extension.Function;
import io.pebbletemplates.pebble.template.EvaluationContext;
import io.pebbletemplates.pebble.template.PebbleTemplate;
import java.util.List;
import java.util.Map;

/**
 * The template function {@code secret('name')}: the value from the service's secrets, decrypted in
 * memory. One instance per {@link Renderer}, told which file it renders: it remembers whether that
 * file read a secret, which makes the file sensitive and withholds its error messages. It keeps this
 * itself rather than in a template variable, which a macro's scope does not see.
 */
final class SecretFunction extends AbstractExtension implements Function {

    private final Secrets secrets;
    private String serviceDirectory = "";
    private boolean read;

    SecretFunction(Secrets secrets) {
        this.secrets = secrets;
    }

    /** A new file of the service in {@code serviceDirectory} is rendered: nothing read yet. */
    void start(String serviceDirectory) {
        this.serviceDirectory = serviceDirectory;
        this.read = false;
    }

    /** Whether the file rendered since {@link #start} has read any secret's value. */
    boolean read() {
        return read;
    }

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
        Object name = args.get("name");
        if (!(name instanceof String text)) {
            throw new PebbleException(null, "secret() takes the name of a secret as a quoted string, such as"
                    + " secret('db_password')", lineNumber, self.getName());
        }
        try {
            String value = secrets.value(serviceDirectory, text);
            read = true;
            return value;
        } catch (SecretException e) {
            throw new PebbleException(null, e.getMessage(), lineNumber, self.getName());
        }
    }
}
