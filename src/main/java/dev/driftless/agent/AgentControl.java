package dev.driftless.agent;

import java.util.Optional;

/** What the agent's HTTP side may ask of the running agent: the seam between the loop and the web. */
public interface AgentControl {

    /** Asks for a fetch and reconcile as soon as possible; requests during a reconcile fold into one more. */
    void requestReconcile(String trigger);

    /** A snapshot of what the agent knows now. */
    AgentStatus status();

    /**
     * Stops automatic applies (and heals) on one host, or on every host when empty, until resumed.
     *
     * @param by who suspended: the name of the API token used; status and history show it
     * @throws IllegalArgumentException when the host is not one the agent manages
     */
    void suspend(Optional<String> host, String by);

    /**
     * Ends the suspension of one host, or of every host when empty, and its rollback hold: it follows the ref again.
     *
     * @throws IllegalArgumentException when the host is not one the agent manages
     */
    void resume(Optional<String> host);

    /**
     * Resumes, saying who did (a token's name): the log and the trigger of the apply that catches up show it.
     *
     * @throws IllegalArgumentException when the host is not one the agent manages
     */
    default void resume(Optional<String> host, String by) {
        resume(host);
    }

    /**
     * Asks for a drift check of {@code host} at once, without waiting for the drift interval; the history records its
     * trigger as "check now by BY".
     *
     * @throws IllegalArgumentException when the host is not one the agent manages
     * @throws UnsupportedOperationException when this agent cannot check a host on request
     */
    default void checkNow(String host, String by) {
        throw new UnsupportedOperationException("this agent cannot check a host on request");
    }

    /**
     * What the agent knows of a service on a host beyond its status (README, resources, last drift, health checks,
     * handlers), for the dashboard; empty when it has no such service there.
     */
    default Optional<ServiceReport> serviceReport(String host, String service) {
        return Optional.empty();
    }

    /**
     * Rolls a whole host back to an earlier commit that was applied and found healthy there (a host is always at one
     * commit, whichever of its services the request came from): it is applied as the next reconcile, and the host is
     * held there (new commits are not applied to it, drift checks keep it at that commit) until it is resumed or a
     * commit newer than the newest known now arrives. The hold is kept in the agent's memory, across restarts.
     *
     * @param commit the commit's id, or at least its first 7 hex digits
     * @param by who asked: the name of the API token used; status and history show it
     * @return the hold, with the commit's full id
     * @throws RollbackRefused when the host is not managed, the commit is unknown, or it was never healthy there
     * @throws dev.driftless.store.StoreException when the history cannot be read to tell
     */
    AgentStatus.Hold rollback(String host, String commit, String by);

    /**
     * Allows the agent once to apply {@code commit}, the commit its ref names now, to the hosts it refused it on as a
     * step back (it does not descend from the newest commit they ran: a force-push back, a rewritten history). The
     * leave is kept across restarts until the ref names another commit; the apply it lets through is recorded with
     * the trigger "rewind allowed by BY".
     *
     * @param commit the commit's id, or at least its first 7 hex digits
     * @param by who allowed it: the name of the API token used
     * @throws IllegalArgumentException when it is not a commit id, or not one the agent fetched
     * @throws IllegalStateException when it is not the commit the ref names now, or the agent only plans
     */
    default AgentStatus.RewindAllowed allowRewind(String commit, String by) {
        throw new UnsupportedOperationException("this agent cannot allow a rewind");
    }

    /**
     * Why the agent is not healthy now, such as a reconcile running past its budget; empty while it is.
     * {@code /healthz} answers 503 with this text, so a supervisor can restart a stuck agent.
     */
    default Optional<String> unhealthy() {
        return Optional.empty();
    }

    /**
     * Calls {@code listener} whenever what {@link #status()} says may have changed: a reconcile or drift check
     * ended, a suspend or resume. It runs on the agent's thread, so it must return at once.
     */
    default void onChange(Runnable listener) {
    }

    /**
     * Since when and why the history database does not take the agent's writes, while it does not (the agent goes
     * on reconciling and writes what it kept when it answers again).
     */
    default Optional<String> historyProblem() {
        return Optional.empty();
    }

    /** Whether the agent has fetched its source and planned once, so its status means something. */
    boolean ready();
}
