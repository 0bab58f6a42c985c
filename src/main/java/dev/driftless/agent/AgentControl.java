package dev.driftless.agent;

import java.util.Optional;

/** What the agent's HTTP side may ask of the running agent: the seam between the loop and the web. */
public interface AgentControl {

    /** Asks for a fetch and reconcile as soon as possible; requests during a reconcile fold into one more. */
    void requestReconcile(String trigger);

    /** A snapshot of what the agent knows now. */
    AgentStatus status();

    /** Stops automatic applies (and heals) on one host, or on every host when empty, until resumed. */
    void suspend(Optional<String> host);

    void resume(Optional<String> host);

    /** Whether the agent has fetched its source and planned once, so its status means something. */
    boolean ready();
}
