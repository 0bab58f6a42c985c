package dev.driftless.engine;

import dev.driftless.host.Host;
import dev.driftless.host.HostException;
import dev.driftless.state.Backups;
import dev.driftless.state.HostState;
import dev.driftless.state.StateEntry;
import dev.driftless.state.StateFile;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Stops managing paths on the chosen hosts without touching the paths (as Terraform's {@code state rm}): each
 * leaves the host's state, and the backup of what was there before Driftless, if one is kept, is dropped. Every
 * chosen host is locked and read first; a path that none of them manages changes nothing anywhere.
 */
public final class Forget {

    private final Duration lockTimeout;

    public Forget(Duration lockTimeout) {
        this.lockTimeout = lockTimeout;
    }

    /** What forgetting did: per host, and the paths no host reached manages (then nothing was changed). */
    public record Result(List<HostForgot> hosts, List<String> unmanaged) {

        public Result {
            hosts = List.copyOf(hosts);
            unmanaged = List.copyOf(unmanaged);
        }

        public boolean succeeded() {
            return unmanaged.isEmpty() && hosts.stream().allMatch(h -> h.error().isEmpty());
        }
    }

    /**
     * One host: the paths it no longer manages (with whether a backup of each was dropped), or why it could not be
     * read or written.
     */
    public record HostForgot(String host, String description, Map<String, Boolean> forgotten,
            Optional<String> error) {

        public HostForgot {
            forgotten = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(forgotten));
        }
    }

    /** A host locked, with its state as read under the lock. */
    private record Held(dev.driftless.model.Host model, Host host, Host.Locked lock, HostState state) {
        void release() {
            lock.close();
            host.close();
        }
    }

    /** Forgets {@code paths} on every chosen host of {@code workspace} that manages them; {@code onWait} hears waits. */
    public Result paths(Workspace workspace, List<String> paths, Consumer<String> onWait) {
        List<Held> held = new ArrayList<>();
        List<HostForgot> failed = new ArrayList<>();
        try {
            for (dev.driftless.model.Host model : workspace.hosts()) {
                try {
                    held.add(lock(workspace, model, onWait));
                } catch (HostException e) {
                    failed.add(new HostForgot(model.name(), "", Map.of(), Optional.of(e.getMessage())));
                }
            }
            Set<String> unmanaged = new LinkedHashSet<>(paths);
            held.forEach(h -> unmanaged.removeAll(h.state().resources().keySet()));
            List<HostForgot> outcomes = new ArrayList<>();
            for (Held h : held) {
                outcomes.add(unmanaged.isEmpty() ? forget(h, paths)
                        : new HostForgot(h.model().name(), h.host().describe(), Map.of(), Optional.empty()));
            }
            outcomes.addAll(failed);
            // in inventory order
            List<String> order = workspace.hosts().stream().map(dev.driftless.model.Host::name).toList();
            outcomes.sort(java.util.Comparator.comparingInt(o -> order.indexOf(o.host())));
            return new Result(outcomes, List.copyOf(unmanaged));
        } finally {
            held.forEach(Held::release);
        }
    }

    private Held lock(Workspace workspace, dev.driftless.model.Host model, Consumer<String> onWait) {
        Host host = workspace.connect(model);
        try {
            Host.Locked locked = host.lockAndRead(lockTimeout, onWait, StateFile.pathFor(host.name()),
                    StateFile.MAX_BYTES);
            try {
                return new Held(model, host, locked, StateFile.parse(host, locked.read()));
            } catch (RuntimeException e) {
                locked.close();
                throw e;
            }
        } catch (RuntimeException e) {
            host.close();
            throw e;
        }
    }

    /**
     * Writes the state without the paths (no longer complete: a later plan reads the repository again and shows a
     * path still in it as adopted), then drops their backups.
     */
    private static HostForgot forget(Held held, List<String> paths) {
        HostState state = held.state();
        Map<String, StateEntry> kept = new LinkedHashMap<>(state.resources());
        List<String> managed = paths.stream().filter(kept::containsKey).distinct().toList();
        Map<String, Boolean> forgotten = new LinkedHashMap<>();
        if (managed.isEmpty()) {
            return new HostForgot(held.model().name(), held.host().describe(), forgotten, Optional.empty());
        }
        managed.forEach(kept::remove);
        try {
            StateFile.write(held.host(), new HostState(state.version(), state.host(), state.revision(),
                    state.appliedAt(), false, kept, state.pendingHandlers(), state.healthy()));
            managed.forEach(path -> forgotten.put(path, false));
            for (String path : managed) {
                forgotten.put(path, path.startsWith("/") && Backups.drop(held.host(), path));
            }
            return new HostForgot(held.model().name(), held.host().describe(), forgotten, Optional.empty());
        } catch (HostException e) {
            return new HostForgot(held.model().name(), held.host().describe(), forgotten, Optional.of(e.getMessage()));
        }
    }
}
