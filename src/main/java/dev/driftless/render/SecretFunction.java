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

    /**
     * What {@code secret()} gives: the value, or one of two stand-ins for it. A stand-in has the value's lines (so a
     * secret that spans lines spans as many) and differs from the other one in every line: in length, in case and in
     * its first and last character, so that whatever a template makes of a secret differs between the two renders.
     */
    enum Values { DECRYPTED, FIRST_STAND_IN, SECOND_STAND_IN }

    private final Secrets secrets;
    private String serviceDirectory = "";
    private boolean read;
    private Values values = Values.DECRYPTED;

    SecretFunction(Secrets secrets) {
        this.secrets = secrets;
    }

    /** A new file of the service in {@code serviceDirectory} is rendered: nothing read yet. */
    void start(String serviceDirectory) {
        this.serviceDirectory = serviceDirectory;
        this.read = false;
    }

    /** From now on {@code secret()} gives these values. */
    void give(Values given) {
        this.values = given;
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
            return values == Values.DECRYPTED ? value : standIn(value, values);
        } catch (SecretException e) {
            throw new PebbleException(null, e.getMessage(), lineNumber, self.getName());
        }
    }

    /** A stand-in with the value's lines; only a final newline stays as it is. */
    static String standIn(String value, Values values) {
        String[] lines = value.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            boolean finalNewline = i == lines.length - 1 && i > 0 && lines[i].isEmpty();
            if (!finalNewline) {
                lines[i] = values == Values.FIRST_STAND_IN ? "a-stand-in-" + i : "Z:STAND:IN:" + i + ":XXXXXXXXXXXX";
            }
        }
        return String.join("\n", lines);
    }
}
