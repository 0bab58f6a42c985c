package dev.driftless.bootstrap;

/**
 * One thing {@code driftless bootstrap} did, or found already done, on a machine: an action from a closed set, its
 * subject (a file, the package, the agent's unit, the first apply) and a detail such as a mode.
 */
public record Step(Action action, String subject, String detail) {

    /** What bootstrap did about a subject; {@link #UNCHANGED} is the only one that changed nothing. */
    public enum Action {
        CREATED, INSTALLED, UPDATED, UNCHANGED, ENABLED, STARTED, RESTARTED, APPLIED, FAILED;

        /** How a line of bootstrap's output starts. */
        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Step(Action action, String subject) {
        this(action, subject, "");
    }

    /** Whether the machine changed by this step. */
    public boolean changed() {
        return action != Action.UNCHANGED;
    }

    /**
     * The step as bootstrap prints it: {@code installed /etc/driftless/age-key.txt (0600, root)}; a failure says why
     * after a colon, on as many lines as it takes.
     */
    public String line() {
        if (action == Action.FAILED) {
            return action.word() + ": " + subject + ": " + detail;
        }
        return action.word() + " " + subject + (detail.isEmpty() ? "" : " (" + detail + ")");
    }
}
