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

    /** @throws IllegalArgumentException when the host is not one the agent manages */
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

    /** Whether the agent has fetched its source and planned once, so its status means something. */
    boolean ready();
}
