package dev.driftless.plan;

import dev.driftless.host.LiveEntry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each host's files were last seen to hold, by their stat, kept from one check to the next by a
 * process that runs for long (the agent). The state of a host records no stat for a file an apply has just
 * written (a stat is trusted only once the file has been left alone for two seconds) and a check writes
 * nothing, so without this every later check would read and hash those files again.
 */
public final class KnownFiles {

    private final Map<String, Map<String, LiveEntry.Known>> byHost = new ConcurrentHashMap<>();

    /** What the last check of {@code host} saw of its files, by path; empty before one. */
    public Map<String, LiveEntry.Known> of(String host) {
        return byHost.getOrDefault(host, Map.of());
    }

    /** Replaces what is known of the files of {@code host} with what a check has just seen. */
    public void remember(String host, Map<String, LiveEntry.Known> seen) {
        byHost.put(host, Map.copyOf(seen));
    }
}
