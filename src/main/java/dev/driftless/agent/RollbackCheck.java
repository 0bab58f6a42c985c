package dev.driftless.agent;

import dev.driftless.engine.PlanPrinter;
import dev.driftless.report.HealthState;
import dev.driftless.source.SourceException;
import dev.driftless.store.HistoryQuery;
import dev.driftless.store.HistoryRows;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.Reconcile;
import dev.driftless.store.ResourceChange;
import dev.driftless.store.ServiceOutcome;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decides whether a host may be rolled back to a commit: the host is one the agent manages, the commit is in the
 * agent's cache of its repository, and this agent's history holds an apply of that commit on that host that ended
 * healthy (no service failed there, none degraded). Read on the caller's thread; it changes nothing.
 */
final class RollbackCheck {

    private static final Pattern COMMIT_ID = Pattern.compile("[0-9a-f]{7,40}");
    /** How many reconciles of the host are read from the history at a time while looking for a healthy apply. */
    private static final int PAGE = 500;
    private static final Set<ServiceOutcome.Status> APPLIED = Set.of(ServiceOutcome.Status.APPLIED,
            ServiceOutcome.Status.UNCHANGED);

    private final AgentSettings settings;
    private final Workspaces workspaces;
    private final AgentMemory memory;
    private final HistoryStore history;

    RollbackCheck(AgentSettings settings, Workspaces workspaces, AgentMemory memory, HistoryStore history) {
        this.settings = settings;
        this.workspaces = workspaces;
        this.memory = memory;
        this.history = history;
    }

    /**
     * The full id of {@code commit} (a commit id, or at least its first 7 hex digits) when {@code host} may be rolled
     * back to it.
     *
     * @throws RollbackRefused saying what is wrong and what was looked for
     * @throws dev.driftless.store.StoreException when the history cannot be read
     */
    String approve(String host, String commit) {
        if (settings.dryRun()) {
            throw new RollbackRefused(RollbackRefused.Reason.DRY_RUN, "the agent only plans (--dry-run): it applies"
                    + " nothing, so it cannot roll " + host + " back either");
        }
        Collection<String> managed = workspaces.knownHosts().isEmpty() ? memory.targets().keySet()
                : workspaces.knownHosts();
        if (!managed.contains(host)) {
            throw new RollbackRefused(RollbackRefused.Reason.UNKNOWN_HOST, "'" + host + "' is not a host this agent"
                    + " manages (hosts: " + (managed.isEmpty() ? "none applied yet" : String.join(", ", managed))
                    + ")");
        }
        String id = resolve(commit.strip().toLowerCase(Locale.ROOT));
        if (!appliedHealthy(host, id)) {
            throw new RollbackRefused(RollbackRefused.Reason.NEVER_HEALTHY, "commit "
                    + PlanPrinter.shortRevision(id) + " was never applied and found healthy on " + host + ": the"
                    + " history of agent '" + settings.agent() + "' has no apply of " + id + " on " + host
                    + " in which no service failed or was degraded; pick one from driftless history --host " + host
                    + " (rollback only goes back to a commit that worked there)");
        }
        return id;
    }

    /** The full id of a commit in the agent's cache, given by its id or a prefix of at least 7 hex digits. */
    private String resolve(String commit) {
        if (!COMMIT_ID.matcher(commit).matches()) {
            throw new RollbackRefused(RollbackRefused.Reason.UNKNOWN_COMMIT, "'" + commit + "' is not a commit id:"
                    + " give the commit's id, or at least its first 7 hex digits (as driftless history shows it)");
        }
        try {
            String id = workspaces.commitId(commit);
            if (id.startsWith(commit)) {
                return id;
            }
        } catch (SourceException e) {
            // said below, with what was looked for
        }
        throw new RollbackRefused(RollbackRefused.Reason.UNKNOWN_COMMIT, "commit " + commit + " is not in the"
                + " agent's copy of " + settings.repo() + " (or the prefix names several commits): give a commit"
                + " the agent fetched and applied, as driftless history shows it");
    }

    /** Whether this agent's history has an apply of {@code commit} on {@code host} that ended healthy there. */
    private boolean appliedHealthy(String host, String commit) {
        HistoryQuery query = new HistoryQuery(Optional.of(host), Optional.empty(), PAGE, HistoryQuery.Diffs.LEFT_OUT,
                Optional.of(settings.agent()));
        while (true) {
            Search search = new Search(host, commit);
            history.history(query, search);
            if (search.found() || search.cursor.isEmpty()) {
                return search.found();
            }
            query = query.before(search.cursor.get());
        }
    }

    /** Reads one page of the host's history, looking for an apply of the commit that ended healthy on the host. */
    private static final class Search implements HistoryRows {
        private final String host;
        private final String commit;
        private Reconcile current;
        private final List<ServiceOutcome> outcomes = new ArrayList<>();
        private boolean found;
        private Optional<Long> cursor = Optional.empty();

        Search(String host, String commit) {
            this.host = host;
            this.commit = commit;
        }

        @Override
        public void reconcile(Reconcile reconcile) {
            decide();
            current = reconcile;
        }

        @Override
        public void service(ServiceOutcome outcome) {
            outcomes.add(outcome);
        }

        @Override
        public void change(ResourceChange change) {
            // what changed does not matter here, only how the apply ended
        }

        @Override
        public void more(long next) {
            cursor = Optional.of(next);
        }

        boolean found() {
            decide();
            return found;
        }

        /** The reconcile read last: an apply of the commit in which every service of the host applied healthy. */
        private void decide() {
            if (current != null && current.kind() == Reconcile.Kind.APPLY && commit.equals(current.commit())
                    && current.result() != Reconcile.Result.SKIPPED) {
                List<ServiceOutcome> ofHost = outcomes.stream().filter(o -> host.equals(o.host())).toList();
                found |= !ofHost.isEmpty() && ofHost.stream().allMatch(o -> o.service() != null
                        && APPLIED.contains(o.status()) && o.health() != HealthState.DEGRADED);
            }
            current = null;
            outcomes.clear();
        }
    }
}
