package dev.driftless.secrets;

import dev.driftless.model.Problem;
import dev.driftless.model.Reference;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads the value a {@link Reference} of driftless.yaml names: a secret of the repository's {@code secrets/}
 * folder, or a variable of this process's environment. A value that cannot be had is a problem at the line the
 * reference is written, in words that never show a value. Notifications and registry logins read theirs here.
 */
public final class ReferencedValues {

    private final Function<String, String> secrets;
    private final Map<String, String> env;

    /**
     * @param secrets a secret of the repository by name; {@code null}, or an exception with a message, when it cannot
     *                be read
     * @param env     the environment {@code { env: VAR }} reads
     */
    public ReferencedValues(Function<String, String> secrets, Map<String, String> env) {
        this.secrets = secrets;
        this.env = env;
    }

    /** The value {@code reference} names, or empty with a problem added to {@code problems}. */
    public Optional<String> read(Reference reference, List<Problem> problems) {
        String value;
        try {
            value = reference instanceof Reference.Secret secret ? secrets.apply(secret.name())
                    : env.get(((Reference.Env) reference).variable());
        } catch (RuntimeException e) {
            problems.add(new Problem(reference.where(), reference.describe() + " cannot be read"
                    + (e.getMessage() == null ? "" : ": " + e.getMessage())));
            return Optional.empty();
        }
        if (value == null) {
            problems.add(new Problem(reference.where(), reference.describe()
                    + (reference instanceof Reference.Secret ? " is not defined" : " is not set")));
            return Optional.empty();
        }
        return Optional.of(value);
    }
}
