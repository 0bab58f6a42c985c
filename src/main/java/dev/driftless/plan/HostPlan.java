package dev.driftless.plan;

import dev.driftless.render.DesiredHost;
import dev.driftless.state.HostState;
import dev.driftless.state.StateEntry;
import dev.driftless.system.SystemState;
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
 * @param system what the host had of the plan's packages and units when planned (its package manager)
 * @param leftovers whether the apply must look for temporary files an interrupted write left (false only when a
 *     remote host was seen to have none, so that an apply with nothing to do sends no command for them)
 */
public record HostPlan(DesiredHost desired, HostState previous, List<Change> changes, List<HandlerRun> handlers,
        Map<String, StateEntry> unchanged, Map<String, StateEntry> desiredEntries, Set<String> chosenServices,
        Scope scope, SystemState system, boolean leftovers) {

    public HostPlan {
        changes = List.copyOf(changes);
        handlers = List.copyOf(handlers);
    }

    /** A host found in sync from its recorded state alone (see {@link Planner#inSync}). */
    public static HostPlan inSync(dev.driftless.model.Host host, HostState state, Map<String, StateEntry> seen,
            boolean leftovers) {
        DesiredHost nothing = new DesiredHost(host, state.revision(), List.of(), Map.of(), List.of(), Map.of());
        return new HostPlan(nothing, state, List.of(), List.of(), seen, Map.of(), Set.of(), Scope.EVERYTHING,
                SystemState.NOTHING, leftovers);
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
     * This plan without the changes of {@code services} (and the handlers only they would trigger): their
     * paths stay as they are on the host and as recorded, so a later check still sees what differs.
     */
    public HostPlan holdingBack(Set<String> services) {
        if (services.isEmpty()) {
            return this;
        }
        List<Change> kept = new ArrayList<>();
        Map<String, StateEntry> asRecorded = new LinkedHashMap<>(unchanged);
        for (Change change : changes) {
            if (services.contains(change.service())) {
                StateEntry recorded = previous.resources().get(change.path());
                if (recorded != null) {
                    asRecorded.put(change.path(), recorded);
                }
            } else {
                kept.add(change);
            }
        }
        Set<String> stillTriggered = new java.util.HashSet<>(previous.pendingHandlers());
        for (Change change : kept) {
            change.desired().ifPresent(resource -> onChange(resource)
                    .forEach(handler -> stillTriggered.add(resource.service() + "/" + handler)));
        }
        // a restart of a unit is owed by its own service's changes (or its restartOn files) unless held back
        List<HandlerRun> runs = handlers.stream().filter(h -> stillTriggered.contains(h.id())
                || h.handler().contains(" ") && !services.contains(h.service())).toList();
        return new HostPlan(desired, previous, kept, runs, asRecorded, desiredEntries, chosenServices, scope, system,
                leftovers);
    }

    private static List<String> onChange(dev.driftless.render.Desired resource) {
        if (resource instanceof dev.driftless.render.Desired.File file) {
            return file.onChange();
        }
        if (resource instanceof dev.driftless.render.Desired.Symlink link) {
            return link.onChange();
        }
        return List.of();
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
            if (change.desired().isEmpty()) { // left the repository: deleted, or released as it is
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
                entries, owed, previous.healthy());
    }

    /**
     * The same after a failure, but units whose systemctl ran ({@code halfDone}: enabled, perhaps not started) are
     * recorded as asked: only a recorded unit is stopped and disabled by a later apply, or a rollback to a commit
     * without it.
     */
    public HostState stateAfterFailure(Set<Change> applied, List<Change> halfDone, List<String> owedHandlers) {
        HostState state = stateAfter(applied, owedHandlers);
        Map<String, StateEntry> entries = new LinkedHashMap<>(state.resources());
        for (Change change : halfDone) {
            if (change.kind().equals(SystemChanges.UNIT) && change.desired().isPresent()) {
                entries.putIfAbsent(change.path(), desiredEntries.get(change.path()));
            }
        }
        return new HostState(state.version(), state.host(), state.revision(), state.appliedAt(), false, entries,
                state.pendingHandlers(), state.healthy());
    }
}
