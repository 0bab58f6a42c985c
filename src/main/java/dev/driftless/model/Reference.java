package dev.driftless.model;

import java.util.Objects;

/**
 * A value that is not written in driftless.yaml but read by the agent: {@code { secret: name }} from the
 * repository's {@code secrets/} folder, or {@code { env: VAR }} from the agent's environment. It carries where it
 * was written, so that a value that cannot be read is reported at its line; it never carries the value.
 */
public sealed interface Reference extends Setting permits Reference.Secret, Reference.Env {

    /** Where the reference is written: driftless.yaml, its line and the key, such as {@code notifications.ops.slack.url}. */
    Location where();

    /** Words for messages: {@code secret 'slack_webhook'}, {@code environment variable NTFY_TOKEN}. */
    String describe();

    /** {@code { secret: name }}: a secret of the repository. */
    record Secret(String name, Location where) implements Reference {
        public Secret {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(where, "where");
        }

        @Override
        public String describe() {
            return "secret '" + name + "'";
        }
    }

    /** {@code { env: VAR }}: an environment variable of the agent. */
    record Env(String variable, Location where) implements Reference {
        public Env {
            Objects.requireNonNull(variable, "variable");
            Objects.requireNonNull(where, "where");
        }

        @Override
        public String describe() {
            return "environment variable " + variable;
        }
    }
}
