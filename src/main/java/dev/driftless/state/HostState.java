package dev.driftless.state;


import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What Driftless manages on one host: the revision last applied, every managed path with its
 * fingerprint, and handlers an interrupted apply still owes.
 *
 * @param complete true when the apply of {@code revision} covered every service and made every change
 * @param healthy the last revision applied in full whose services passed their health checks afterwards ("" when
 *     none is known): what an apply that leaves a service unhealthy rolls the host back to
 */
public record HostState(int version, String host, String revision, String appliedAt, boolean complete,
        Map<String, StateEntry> resources, List<String> pendingHandlers, String healthy) {

    /** Raise it whenever the same commit could render differently, so older records are not trusted. */
    public static final int VERSION = 1;

    public HostState {
        resources = resources == null ? Map.of() : new TreeMap<>(resources);
        pendingHandlers = pendingHandlers == null ? List.of() : List.copyOf(pendingHandlers);
        healthy = healthy == null ? "" : healthy;
    }

    /** A state that knows no healthy revision. */
    public HostState(int version, String host, String revision, String appliedAt, boolean complete,
            Map<String, StateEntry> resources, List<String> pendingHandlers) {
        this(version, host, revision, appliedAt, complete, resources, pendingHandlers, "");
    }

    /** The same state, recording {@code revision} as the last one found healthy. */
    public HostState withHealthy(String revision) {
        return new HostState(version, host, this.revision, appliedAt, complete, resources, pendingHandlers, revision);
    }

    public static HostState empty(String host) {
        return new HostState(VERSION, host, "", "", false, Map.of(), List.of());
    }

    /**
     * Whether every service of {@code revision} was applied in full, with no handler owed: then the
     * recorded fingerprints are exactly the desired state of that revision.
     */
    public boolean completelyApplied(String wantedRevision) {
        // a state of another format version may have been rendered by other rules: never trust it
        return version == VERSION && complete && wantedRevision.equals(revision) && pendingHandlers.isEmpty();
    }
}
