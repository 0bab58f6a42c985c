package dev.driftless.dashboard;

import dev.driftless.agent.AgentStatus;
import dev.driftless.report.HealthState;
import dev.driftless.report.SyncState;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * What the overview page shows, computed from the agent's status (the same data as {@code /api/status}): the
 * "needs attention" list first, then a hosts x services grid with each cell's sync and health in words, and per host
 * the commit it is at. Computing is here; the templates only present it.
 *
 * @param attention what someone should look at, worst first; empty when all is well
 * @param services the columns of the grid: every service any host has
 * @param rows one per host
 * @param others the other agents that share this agent's history database, each with its hosts
 * @param fleetProblem why the other agents cannot be shown (the database cannot be read), or ""
 */
public record Overview(String agent, SourceLine source, List<Attention> attention, List<String> services, List<Row> rows,
        boolean dryRun, List<FleetView> others, String fleetProblem) {

    /** This agent's own overview, without the other agents of its database. */
    public Overview(String agent, SourceLine source, List<Attention> attention, List<String> services, List<Row> rows,
            boolean dryRun) {
        this(agent, source, attention, services, rows, dryRun, List.of(), "");
    }

    /** The same with {@code first} at the head of the attention list. */
    Overview withAttentionFirst(Attention first) {
        List<Attention> all = new ArrayList<>(List.of(first));
        all.addAll(attention);
        return new Overview(agent, source, List.copyOf(all), services, rows, dryRun, others, fleetProblem);
    }

    /** The same with the other agents that share its history database (or why they cannot be shown). */
    Overview withFleet(List<FleetView> others, String fleetProblem) {
        return new Overview(agent, source, attention, services, rows, dryRun, List.copyOf(others), fleetProblem);
    }

    /** The repository and whether it can be fetched. */
    public record SourceLine(String repo, String ref, boolean available, String fetched, String problem) {
    }

    /**
     * One thing that needs attention.
     *
     * @param subject "host" or "host/service"
     * @param state the word for it ("failed", "drifted", "degraded", "suspended", "unavailable", "untrusted",
     *     "rewind-refused"), also its CSS class
     * @param detail what happened, in words
     * @param link the page of the subject, or empty for the source
     */
    public record Attention(String subject, String state, String detail, String link) {
    }

    /** A host: its suspension, the commit it is at, and one cell per column (empty where it lacks the service). */
    public record Row(String host, String sync, Optional<String> suspendedBy, Optional<CommitLine> commit, List<Cell> cells) {
        public boolean suspended() {
            return suspendedBy.isPresent();
        }
    }

    /**
     * A commit in one line: short id, first line of its message, author, how old it is, and who signed it when the
     * agent verified it ({@code alice@example.org (ssh SHA256:…)}, else empty).
     */
    public record CommitLine(String shortId, String message, String author, String age, String signer) {
    }

    /**
     * One service on one host.
     *
     * @param sync its sync word ("in-sync", ..., also a CSS class); {@code syncLabel} the same for people
     * @param present false where the host does not have this service (the cell says so and links nowhere)
     */
    public record Cell(String service, boolean present, String sync, String syncLabel, String health, String healthLabel,
            int drifted, String link) {
    }

    static Overview of(AgentStatus status, Instant now) {
        TreeSet<String> columns = new TreeSet<>();
        status.hosts().forEach(h -> h.services().forEach(s -> columns.add(s.service())));
        List<String> services = List.copyOf(columns);
        List<Row> rows = new ArrayList<>();
        List<Attention> attention = new ArrayList<>();
        if (!"ok".equals(status.source())) {
            attention.add(new Attention("source", "unavailable", "unavailable"
                    + status.unavailableSince().map(t -> " since " + t + " (" + age(t, now) + ")").orElse("")
                    + status.sourceError().map(e -> ": " + e).orElse(""), ""));
        }
        // the ref's newest commit, applied nowhere: the hosts stay at their commit until a trusted one arrives
        status.untrusted().ifPresent(u -> attention.add(new Attention("source", "untrusted", "commit "
                + shortId(u.commit()) + " refused " + age(u.since(), now) + ", not signed by a trusted key ("
                + u.reason() + u.signer().map(s -> ", key of " + s).orElse("") + "): " + u.detail()
                + "; the hosts keep their commit", "")));
        for (AgentStatus.HostStatus host : status.hosts()) {
            Optional<String> suspendedBy = host.suspended() || status.suspended()
                    ? Optional.of(host.suspendedBy().orElse(status.suspended() ? "every host suspended" : "someone"))
                    : Optional.empty();
            suspendedBy.ifPresent(by -> attention.add(new Attention(host.host(), "suspended",
                    "automatic applies suspended (by " + by + ")", "#host-" + host.host())));
            host.rewindRefused().ifPresent(r -> attention.add(new Attention(host.host(), "rewind-refused",
                    "refused " + shortId(r.commit()) + " as a step back " + age(r.since(), now) + ": " + r.why()
                            + "; to apply it anyway, once: driftless allow-rewind --to " + shortId(r.commit()),
                    "#host-" + host.host())));
            List<Cell> cells = new ArrayList<>();
            for (String service : services) {
                Optional<AgentStatus.ServiceStatus> found = host.services().stream()
                        .filter(s -> s.service().equals(service)).findFirst();
                if (found.isEmpty()) {
                    cells.add(new Cell(service, false, "absent", "not on this host", "", "", 0, ""));
                    continue;
                }
                AgentStatus.ServiceStatus s = found.get();
                String link = serviceLink(host.host(), service);
                cells.add(new Cell(service, true, s.sync().word(), label(s.sync()), s.health().word(),
                        label(s.health()), s.driftedResources(), link));
                problem(status, host.host(), s).ifPresent(detail -> attention.add(new Attention(host.host() + "/"
                        + service, s.sync() == SyncState.FAILED || s.sync() == SyncState.DRIFTED ? s.sync().word()
                        : s.health().word(), detail, link)));
            }
            Optional<CommitLine> commit = host.appliedCommit().map(id -> commitLine(status, id, now));
            rows.add(new Row(host.host(), host.sync().word(), suspendedBy, commit, cells));
        }
        attention.sort(java.util.Comparator.comparingInt(a -> rank(a.state())));
        String fetched = status.fetchedAt().map(t -> "fetched " + age(t, now)).orElse("not fetched yet");
        return new Overview(status.agent(), new SourceLine(status.repo(), status.ref(), "ok".equals(status.source()),
                fetched, status.sourceError().orElse("")), List.copyOf(attention), services, List.copyOf(rows),
                status.dryRun());
    }

    /** Why a service needs attention, or empty: failed, drifted, degraded. */
    private static Optional<String> problem(AgentStatus status, String host, AgentStatus.ServiceStatus s) {
        List<String> words = new ArrayList<>();
        if (s.sync() == SyncState.FAILED) {
            words.add("failed" + status.failedCommit().map(c -> " at " + shortId(c)).orElse("")
                    + status.failure().map(f -> ": " + f).orElse(""));
        } else if (s.sync() == SyncState.DRIFTED) {
            words.add("drifted (" + s.driftedResources() + (s.driftedResources() == 1 ? " resource differs"
                    : " resources differ") + " from the commit)");
        }
        if (s.health() == HealthState.DEGRADED) {
            words.add("degraded: its health checks fail");
        }
        return words.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", words));
    }

    private static int rank(String state) {
        return switch (state) {
            case "unavailable", "untrusted" -> 0;
            case "failed", "rewind-refused" -> 1;
            case "degraded" -> 2;
            case "drifted" -> 3;
            default -> 4;
        };
    }

    static CommitLine commitLine(AgentStatus status, String id, Instant now) {
        Optional<AgentStatus.Commit> known = status.commit(id);
        return new CommitLine(shortId(id), known.map(AgentStatus.Commit::message).orElse(""),
                known.map(AgentStatus.Commit::author).orElse(""),
                known.flatMap(AgentStatus.Commit::committedAt).map(t -> age(t, now)).orElse(""),
                known.flatMap(AgentStatus.Commit::signer).orElse(""));
    }

    static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    static String label(SyncState sync) {
        return sync.word().replace('-', ' ');
    }

    static String label(HealthState health) {
        return health.word();
    }

    static String hostLink(String host) {
        return "/hosts/" + segment(host);
    }

    static String serviceLink(String host, String service) {
        return hostLink(host) + "/services/" + segment(service);
    }

    private static String segment(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** "12 s ago", "5 min ago", "3 h ago", "2 days ago". */
    static String age(Instant then, Instant now) {
        Duration d = Duration.between(then, now);
        if (d.isNegative()) {
            d = Duration.ZERO;
        }
        if (d.toMinutes() < 1) {
            return d.toSeconds() + " s ago";
        }
        if (d.toHours() < 1) {
            return d.toMinutes() + " min ago";
        }
        if (d.toDays() < 2) {
            return d.toHours() + " h ago";
        }
        return d.toDays() + " days ago";
    }
}
