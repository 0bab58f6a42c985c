package dev.driftless.store;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The agents that share one history database, each as it last published itself: how any of them shows the whole
 * fleet. With one agent on its own SQLite file, the fleet is that agent.
 */
public interface Fleet {

    /**
     * Replaces what the agent this store was opened for published before (one upsert): its status document, the URL
     * its API can be reached at (empty: other agents show its hosts read-only) and how often it publishes; the time
     * it was last seen is the database's now.
     *
     * @throws IllegalStateException when the store was opened for no agent
     * @throws StoreException when the database cannot be written
     */
    void publish(String status, Optional<String> advertisedUrl, Duration heartbeat);

    /**
     * Every agent that ever published here, by name, with what it published last and whether it is
     * {@linkplain FleetMember#stale() stale} by the database's clock.
     *
     * @throws StoreException when the database cannot be read
     */
    List<FleetMember> members();
}
