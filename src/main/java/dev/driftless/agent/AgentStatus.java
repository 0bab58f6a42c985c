package dev.driftless.agent;

import dev.driftless.report.HealthState;
import dev.driftless.report.SyncState;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a running agent knows, for {@code /api/status}, {@code driftless status} and the metrics.
 *
 * @param formatVersion the version of this document's shape
 * @param agent the agent's name (several agents may share one history database)
 * @param source "ok" or "unavailable"
 * @param appliedCommit the commit last applied to every host it was meant for (empty before the first apply)
 * @param latestCommit the newest commit fetched (may be ahead of the applied one when it failed or is held back)
 * @param dryRun true when the agent only plans and reports, never applies
 * @param fetchedAt when the source was last fetched (or read, for a local folder) successfully
 * @param unavailableSince when the source became unavailable, while it is
 * @param commits what the agent knows of the commits in this document (applied, latest, each host's): author,
 *     message, time, signer; a commit it has not read since it started may be missing
 * @param verifySignatures whether only commits signed by a trusted key are applied (--verify-signatures)
 * @param untrusted the newest commit of the ref when it is refused as untrusted, while it is
 */
public record AgentStatus(int formatVersion, String agent, String repo, String ref, String source,
        Optional<String> sourceError, Optional<String> appliedCommit, Optional<Instant> appliedAt,
        Optional<String> latestCommit, Optional<String> failedCommit, Optional<String> failure, boolean suspended,
        boolean dryRun, List<HostStatus> hosts, Optional<Instant> fetchedAt, Optional<Instant> unavailableSince,
        List<Commit> commits, boolean verifySignatures, Optional<Untrusted> untrusted) {

    /** The shape of this document; raised when a field changes meaning or goes away. */
    public static final int FORMAT_VERSION = 1;

    public AgentStatus {
        hosts = List.copyOf(hosts);
        commits = List.copyOf(commits);
        untrusted = untrusted == null ? Optional.empty() : untrusted;
    }

    /** A status of an agent that does not verify signatures. */
    public AgentStatus(int formatVersion, String agent, String repo, String ref, String source,
            Optional<String> sourceError, Optional<String> appliedCommit, Optional<Instant> appliedAt,
            Optional<String> latestCommit, Optional<String> failedCommit, Optional<String> failure, boolean suspended,
            boolean dryRun, List<HostStatus> hosts, Optional<Instant> fetchedAt, Optional<Instant> unavailableSince,
            List<Commit> commits) {
        this(formatVersion, agent, repo, ref, source, sourceError, appliedCommit, appliedAt, latestCommit, failedCommit,
                failure, suspended, dryRun, hosts, fetchedAt, unavailableSince, commits, false, Optional.empty());
    }

    /** A status without fetch times or commit details (as before those fields were added). */
    public AgentStatus(int formatVersion, String agent, String repo, String ref, String source,
            Optional<String> sourceError, Optional<String> appliedCommit, Optional<Instant> appliedAt,
            Optional<String> latestCommit, Optional<String> failedCommit, Optional<String> failure, boolean suspended,
            boolean dryRun, List<HostStatus> hosts) {
        this(formatVersion, agent, repo, ref, source, sourceError, appliedCommit, appliedAt, latestCommit, failedCommit,
                failure, suspended, dryRun, hosts, Optional.empty(), Optional.empty(), List.of());
    }

    /** What is known of a commit, when it is among {@link #commits}. */
    public Optional<Commit> commit(String id) {
        return commits.stream().filter(c -> c.id().equals(id)).findFirst();
    }

    /**
     * A commit as Git says: its full id, author's name, first line of its message, and author time (empty when
     * only the history told the agent of it, after a restart); and who signed it, when the agent verified it with a
     * trusted key ({@code alice@example.org (ssh SHA256:…)}).
     */
    public record Commit(String id, String author, String message, Optional<Instant> committedAt,
            Optional<String> signer) {
        public Commit {
            signer = signer == null ? Optional.empty() : signer;
        }

        /** A commit whose signature was not verified. */
        public Commit(String id, String author, String message, Optional<Instant> committedAt) {
            this(id, author, message, committedAt, Optional.empty());
        }
    }

    /**
     * The ref's newest commit, applied nowhere because it carries no good signature from a trusted key: why (the
     * reason's word: unsigned, bad-signature, unknown-key, key-not-allowed, expired-key, revoked-key), the signer when
     * the key is listed, and a sentence naming the key and the trust file.
     */
    public record Untrusted(String commit, String reason, Optional<String> signer, String detail, Instant since) {
    }

    /**
     * One host: whether automatic applies are suspended on it (and by whom), the commit the agent applied
     * to it last (its target), the worst sync state of its services, each service, and whether it is held at a
     * commit it was rolled back to, and the newest commit refused there as a step back, while it is.
     */
    public record HostStatus(String host, boolean suspended, Optional<String> suspendedBy, Optional<String> appliedCommit,
            SyncState sync, List<ServiceStatus> services, Optional<Hold> held, Optional<RewindRefused> rewindRefused) {
        public HostStatus {
            services = List.copyOf(services);
            held = held == null ? Optional.empty() : held;
            rewindRefused = rewindRefused == null ? Optional.empty() : rewindRefused;
        }

        /** A host no commit was refused on as a step back. */
        public HostStatus(String host, boolean suspended, Optional<String> suspendedBy, Optional<String> appliedCommit,
                SyncState sync, List<ServiceStatus> services, Optional<Hold> held) {
            this(host, suspended, suspendedBy, appliedCommit, sync, services, held, Optional.empty());
        }

        /** A host not held by a rollback. */
        public HostStatus(String host, boolean suspended, Optional<String> suspendedBy, Optional<String> appliedCommit,
                SyncState sync, List<ServiceStatus> services) {
            this(host, suspended, suspendedBy, appliedCommit, sync, services, Optional.empty());
        }
    }

    /**
     * A host rolled back on request: the whole host is kept at {@code commit} (new commits are not applied to it)
     * until it is resumed or a newer commit than the newest known at {@code since} arrives.
     *
     * @param by who asked for the rollback: the name of the API token used
     */
    public record Hold(String commit, String by, Instant since) {
    }

    /**
     * The newest commit of the ref, refused on a host because it does not descend from {@code newest}, the newest
     * commit applied there (forward only): the host keeps its commit until a commit that descends arrives or the
     * rewind is allowed once.
     */
    public record RewindRefused(String commit, String newest, String why, Instant since) {
    }

    /** Leave to apply {@code commit} once although it is a step back, given by {@code by}. */
    public record RewindAllowed(String commit, String by, Instant since) {
    }

    /**
     * One service on one host.
     *
     * @param health what its health checks found last (after an apply, or at a drift check); UNKNOWN when it has
     *     none, or none ran yet
     * @param driftedResources how many of its resources differ from its commit on the host
     */
    public record ServiceStatus(String service, SyncState sync, HealthState health, int driftedResources) {
    }
}
