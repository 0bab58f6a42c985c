package dev.driftless.plan;

import dev.driftless.host.LiveEntry;
import dev.driftless.state.Fingerprint;
import dev.driftless.state.HostState;
import dev.driftless.state.StateEntry;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * What a host's recorded state tells on its own, when it records the planned revision as applied in
 * full: which services have a path that no longer matches its fingerprint.
 *
 * @param seen every recorded entry, with the stat the host reported for it
 * @param hashed what the host's files hashed to, by their stat, as this check read them (a file rendered
 *     from a secret that still holds the recorded content: its recorded fingerprint)
 * @param leftovers whether an apply must look for temporary files an interrupted write left (see {@link HostReading})
 */
public record RecordedCheck(HostState state, Map<String, StateEntry> seen, Set<String> driftedServices,
        Map<String, LiveEntry.Known> hashed, boolean leftovers) {

    public RecordedCheck {
        driftedServices = Set.copyOf(driftedServices);
        hashed = Map.copyOf(hashed);
    }

    public boolean inSync() {
        return driftedServices.isEmpty();
    }

    public HostPlan inSyncPlan(dev.driftless.model.Host host) {
        return HostPlan.inSync(host, state, seen, leftovers);
    }

    /**
     * What a later check of the host may trust without reading the files again ({@link KnownFiles}):
     * {@link #hashed}, less the bare digest of a file rendered from a secret that was changed by hand,
     * which is never kept beyond this check.
     */
    public Map<String, LiveEntry.Known> remembered() {
        Map<String, LiveEntry.Known> kept = new HashMap<>(hashed);
        kept.entrySet().removeIf(e -> state.resources().get(e.getKey()).sensitive() && !Fingerprint.isSalted(e.getValue().sha256()));
        return Map.copyOf(kept);
    }
}
