package dev.driftless.plan;

import dev.driftless.render.Desired;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One path that must change on a host.
 *
 * @param kind file, directory or symlink (for a delete: what was recorded)
 * @param desired what to write, for creates and updates
 * @param diff a unified diff for text files
 * @param details attribute changes and notes, one short line each
 * @param takeover whether the path is taken over from what was there (with a backup), or that backup put back
 */
public record Change(Action action, String path, String kind, String service, Set<Cause> causes,
        Optional<Desired> desired, Optional<String> diff, List<String> details, Takeover takeover) {

    public Change {
        causes = Set.copyOf(causes);
        details = List.copyOf(details);
    }

    /** A change that takes nothing over. */
    public Change(Action action, String path, String kind, String service, Set<Cause> causes,
            Optional<Desired> desired, Optional<String> diff, List<String> details) {
        this(action, path, kind, service, causes, desired, diff, details, Takeover.NONE);
    }
}
