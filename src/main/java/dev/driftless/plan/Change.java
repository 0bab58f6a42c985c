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
 */
public record Change(Action action, String path, String kind, String service, Set<Cause> causes,
        Optional<Desired> desired, Optional<String> diff, List<String> details) {

    public Change {
        causes = Set.copyOf(causes);
        details = List.copyOf(details);
    }
}
