package dev.driftless.plan;

import dev.driftless.host.LiveEntry;
import dev.driftless.state.HostState;
import dev.driftless.state.StateEntry;
import java.util.Map;
import java.util.Set;

/**
 * What a host's recorded state tells on its own, when it records the planned revision as applied in
 * full: which services have a path that no longer matches its fingerprint.
 *
 * @param seen every recorded entry, with the stat the host reported for it
 * @param hashed what the host's files hashed to, by their stat, as this check read them
 */
public record RecordedCheck(HostState state, Map<String, StateEntry> seen, Set<String> driftedServices,
        Map<String, LiveEntry.Known> hashed) {

    public RecordedCheck {
        driftedServices = Set.copyOf(driftedServices);
        hashed = Map.copyOf(hashed);
    }

    public boolean inSync() {
        return driftedServices.isEmpty();
    }

    public HostPlan inSyncPlan(dev.driftless.model.Host host) {
        return HostPlan.inSync(host, state, seen);
    }
}
