package dev.driftless.agent;

/**
 * Why the agent will not roll a host back to the commit asked for ({@link AgentControl#rollback}); the message says
 * what was looked for and what to do.
 */
public final class RollbackRefused extends RuntimeException {

    /** What is wrong with the request: the first two name something the agent does not know, the others a conflict. */
    public enum Reason {
        /** Not a host of the inventory this agent manages. */
        UNKNOWN_HOST,
        /** Not a commit id, or not one in the agent's cache of its repository. */
        UNKNOWN_COMMIT,
        /** This agent's history has no apply of that commit on that host that ended healthy. */
        NEVER_HEALTHY,
        /** The agent only plans (--dry-run): it applies nothing, a rollback neither. */
        DRY_RUN
    }

    private final Reason reason;

    public RollbackRefused(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
