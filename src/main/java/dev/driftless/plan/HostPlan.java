package dev.driftless.plan;

import dev.driftless.render.DesiredHost;
import dev.driftless.state.HostState;
import dev.driftless.state.StateEntry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one host needs: the changes in apply order (creates and updates in service order, then
 * deletes deepest first), the handlers to run, and the state to record once applied.
 *
 * @param unchanged state entries of desired resources that already match, as they are now
 * @param desiredEntries the state entry each created or updated path gets once applied
 */
public record HostPlan(DesiredHost desired, HostState previous, List<Change> changes, List<HandlerRun> handlers,
        Map<String, StateEntry> unchanged, Map<String, StateEntry> desiredEntries, Set<String> chosenServices,
        Scope scope) {

    public HostPlan {
        changes = List.copyOf(changes);
        handlers = List.copyOf(handlers);
    }

    /** A host found in sync from its recorded state alone (see {@link Planner#inSync}). */
    public static HostPlan inSync(dev.driftless.model.Host host, HostState state, Map<String, StateEntry> seen) {
        DesiredHost nothing = new DesiredHost(host, state.revision(), List.of(), Map.of(), List.of());
        return new HostPlan(nothing, state, List.of(), List.of(), seen, Map.of(), Set.of(), Scope.EVERYTHING);
    }

    public boolean isEmpty() {
        return changes.isEmpty() && handlers.isEmpty();
    }

    public String hostName() {
        return desired.host().name();
    }

    public long count(Action action) {
        return changes.stream().filter(c -> c.action() == action).count();
    }

    public boolean hasCause(Cause cause) {
        return changes.stream().anyMatch(c -> c.causes().contains(cause));
    }

    /**
     * The state to record after applying {@code applied} (all changes, or those done before a failure),
     * with {@code owedHandlers} still to run. Entries of services outside a --service selection are kept.
     */
    public HostState stateAfter(Set<Change> applied, List<String> owedHandlers) {
        Map<String, StateEntry> entries = new LinkedHashMap<>();
        previous.resources().forEach((path, entry) -> {
            if (!scope.prunesEverything() && !chosenServices.contains(entry.service())) {
                entries.put(path, entry);
            }
        });
        entries.putAll(unchanged);
        for (Change change : changes) {
            boolean done = applied.contains(change);
            if (change.action() == Action.DELETE) {
                if (!done) {
                    entries.put(change.path(), previous.resources().get(change.path()));
                }
            } else if (done) {
                entries.put(change.path(), desiredEntries.get(change.path()));
            } else if (previous.resources().containsKey(change.path())) {
                entries.put(change.path(), previous.resources().get(change.path()));
            }
        }
        List<String> owed = new ArrayList<>(owedHandlers);
        boolean complete = scope.completesState() && applied.size() == changes.size();
        return new HostState(HostState.VERSION, hostName(), desired.revision(), Instant.now().toString(), complete,
                entries, owed);
    }
}
