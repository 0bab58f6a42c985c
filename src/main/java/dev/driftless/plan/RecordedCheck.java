package dev.driftless.plan;

import dev.driftless.state.HostState;
import dev.driftless.state.StateEntry;
import java.util.Map;
import java.util.Set;

/**
 * What a host's recorded state tells on its own, when it records the planned revision as applied in
 * full: which services have a path that no longer matches its fingerprint.
 *
 * @param seen every recorded entry, with the stat the host reported for it
 */
public record RecordedCheck(HostState state, Map<String, StateEntry> seen, Set<String> driftedServices) {

    public RecordedCheck {
        driftedServices = Set.copyOf(driftedServices);
    }

    public boolean inSync() {
        return driftedServices.isEmpty();
    }

    public HostPlan inSyncPlan(dev.driftless.model.Host host) {
        return HostPlan.inSync(host, state, seen);
    }
}
