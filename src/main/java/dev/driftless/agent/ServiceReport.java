package dev.driftless.agent;

import dev.driftless.store.HandlerOutcome;
import dev.driftless.store.ResourceChange;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the agent knows of one service on one host beyond its sync and health, for the dashboard's service page: its
 * README at the host's commit, its resources as the last plan found them, the last drift found, the last results of
 * its health checks and the last output of its handlers. Kept in memory only (a restart starts it empty); every diff
 * and output is masked as in the history (a diff's lines from secrets, a whole secret file).
 *
 * @param commit the commit the host is at (its target), empty before the first apply
 * @param readme the service's README.md at that commit, empty when it has none or it cannot be read
 */
public record ServiceReport(String host, String service, Optional<String> commit, Optional<String> readme,
        Optional<Planned> planned, Optional<Drift> drift, Optional<Health> health, Optional<Handlers> handlers) {

    /** A README longer than this is cut here: the page shows a service's notes, not a manual. */
    public static final int MAX_README_CHARS = 64 * 1024;

    /**
     * One resource of the service as a plan found it.
     *
     * @param kind file, directory, symlink, package, unit or stack
     * @param state "in sync", "drifted" (differs from its commit on the host), "pending" (the commit is not applied to
     *     it yet) or "failed" (its apply failed)
     */
    public record Resource(String path, String kind, String state) {
    }

    /**
     * The service's resources as the last plan of its host found them.
     *
     * @param by what planned: "drift check", "apply" or "dry run"
     */
    public record Planned(String by, String commit, Instant at, List<Resource> resources) {
        public Planned {
            resources = List.copyOf(resources);
        }
    }

    /**
     * The last drift a check found on the service: what differed (with its masked diff) and what became of it.
     *
     * @param outcome "healed", "drifted" (reported, as its drift policy says), "suspended" (not healed: the host is
     *     suspended or the agent only plans) or "failed" (the heal failed)
     */
    public record Drift(String commit, Instant at, String outcome, List<ResourceChange> changes) {
        public Drift {
            changes = List.copyOf(changes);
        }
    }

    /** What the service's health checks found last (after an apply, or at a drift check). */
    public record Health(Instant at, List<Check> checks) {
        public Health {
            checks = List.copyOf(checks);
        }
    }

    /** One health check: what it checks ("http http://127.0.0.1:8080/healthz"), whether it passed, and why. */
    public record Check(String check, boolean passed, String detail) {
    }

    /** The service's handlers the last time any ran (an apply or a heal), with the end of their output, masked. */
    public record Handlers(String commit, Instant at, List<HandlerOutcome> runs) {
        public Handlers {
            runs = List.copyOf(runs);
        }
    }
}
