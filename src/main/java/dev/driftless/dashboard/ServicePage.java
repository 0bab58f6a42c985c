package dev.driftless.dashboard;

import dev.driftless.agent.AgentStatus;
import dev.driftless.agent.ServiceReport;
import dev.driftless.report.HealthState;
import dev.driftless.store.HistoryPage;
import dev.driftless.store.Reconcile;
import dev.driftless.store.ServiceOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a service's page shows, computed from the agent's status, what it last found of the service
 * ({@link ServiceReport}) and a page of its history: the templates only present it.
 *
 * @param link the page's own address (forms and the live refresh go back to it)
 * @param suspendedBy who suspended automatic applies on the host (or on every host), while they are
 * @param readme the README as HTML (raw HTML in it escaped, see {@link Readme}); empty when the service has none
 * @param history the rows of this page of history, newest first; {@code historyProblem} says why there are none when
 *     the history cannot be read
 * @param older the address of the next (older) page of history, empty on the last
 */
public record ServicePage(String host, String service, String link, String sync, String syncLabel, String health,
        String healthLabel, Optional<String> suspendedBy, boolean everyHostSuspended, Optional<Overview.CommitLine> commit,
        Optional<String> readme, Optional<Planned> planned, Optional<Drift> drift, Optional<Health> checks,
        Optional<Handlers> handlers, List<HistoryRow> history, String historyProblem, Optional<String> older) {

    /** The resources as the last plan found them ("drift check 12 s ago at 1a2b3c4d5e6f"). */
    public record Planned(String by, String shortId, String age, List<ServiceReport.Resource> resources) {
        /** The resource's state as a CSS class word: in-sync, drifted, pending, failed. */
        public static String css(ServiceReport.Resource resource) {
            return resource.state().replace(' ', '-');
        }
    }

    /** The last drift found, its diffs masked. */
    public record Drift(String shortId, String age, String outcome, List<dev.driftless.store.ResourceChange> changes) {
    }

    /** The health checks' last results. */
    public record Health(String age, List<ServiceReport.Check> checks) {
    }

    /** The handlers the last time any ran. */
    public record Handlers(String shortId, String age, List<dev.driftless.store.HandlerOutcome> runs) {
    }

    /**
     * One reconcile that touched the service.
     *
     * @param kind "apply" or "drift check"
     * @param trigger what or who started it ("webhook", "check now by alice", "resume by bob")
     * @param outcome what it did to this service ("applied", "healed", "drifted", ...)
     * @param healthyApply an apply that left the service working: a commit it may be rolled back to
     * @param signer who signed the commit, when the agent verified it: "signed by alice@example.org (ssh SHA256:…)"
     *     for a commit that was applied, "key of …" for one that was not (its signature may have been refused);
     *     empty when not verified
     */
    public record HistoryRow(String when, String kind, String trigger, String commit, String shortId, String author,
            String message, String result, String duration, String outcome, boolean healthyApply, String signer) {
    }

    static ServicePage of(AgentStatus status, AgentStatus.HostStatus host, AgentStatus.ServiceStatus service,
            ServiceReport report, Readme readme, Optional<HistoryPage> history, String historyProblem, Instant now) {
        String link = Overview.serviceLink(host.host(), service.service());
        Optional<String> suspendedBy = host.suspended() || status.suspended()
                ? Optional.of(host.suspendedBy().orElse("someone")) : Optional.empty();
        Optional<Overview.CommitLine> commit = host.appliedCommit().map(id -> Overview.commitLine(status, id, now));
        List<HistoryRow> rows = history.map(h -> h.reconciles().stream().map(r -> row(r, service.service(), now))
                .toList()).orElse(List.of());
        Optional<String> older = history.flatMap(HistoryPage::next).map(cursor -> link + "?before=" + cursor);
        return new ServicePage(host.host(), service.service(), link, service.sync().word(),
                Overview.label(service.sync()), service.health().word(), Overview.label(service.health()), suspendedBy,
                status.suspended(), commit, report.readme().map(readme::html),
                report.planned().map(p -> new Planned(p.by(), Overview.shortId(p.commit()), Overview.age(p.at(), now),
                        p.resources())),
                report.drift().map(d -> new Drift(Overview.shortId(d.commit()), Overview.age(d.at(), now), d.outcome(),
                        d.changes())),
                report.health().map(h -> new Health(Overview.age(h.at(), now), h.checks())),
                report.handlers().map(h -> new Handlers(Overview.shortId(h.commit()), Overview.age(h.at(), now),
                        h.runs())),
                rows, historyProblem, older);
    }

    private static HistoryRow row(Reconcile r, String service, Instant now) {
        Optional<ServiceOutcome> outcome = r.services().stream().filter(o -> service.equals(o.service())).findFirst();
        boolean healthy = r.kind() == Reconcile.Kind.APPLY
                && (r.result() == Reconcile.Result.SUCCEEDED || r.result() == Reconcile.Result.NO_CHANGES)
                && outcome.map(o -> o.status() != ServiceOutcome.Status.FAILED && o.health() != HealthState.DEGRADED)
                        .orElse(false);
        return new HistoryRow(Overview.age(r.startedAt(), now), r.kind().word().replace('-', ' '),
                Optional.ofNullable(r.trigger()).orElse(""), Optional.ofNullable(r.commit()).orElse(""),
                Optional.ofNullable(r.commit()).map(Overview::shortId).orElse(""), Optional.ofNullable(r.author()).orElse(""),
                Optional.ofNullable(r.message()).map(m -> m.lines().findFirst().orElse("")).orElse(""),
                r.result().word().replace('-', ' '), duration(Duration.between(r.startedAt(), r.finishedAt())),
                outcome.map(o -> o.status().word()).orElse(""), healthy, signer(r));
    }

    /** The signer of a reconcile's commit in words, or "" when the agent did not verify it. */
    static String signer(Reconcile r) {
        if (r.signer() == null || r.signer().isBlank()) {
            return "";
        }
        boolean applied = r.result() == Reconcile.Result.SUCCEEDED || r.result() == Reconcile.Result.NO_CHANGES;
        return (applied ? "signed by " : "key of ") + r.signer().strip();
    }

    /** "0.4 s", "12 s", "3 min". */
    static String duration(Duration d) {
        if (d.isNegative()) {
            d = Duration.ZERO;
        }
        if (d.toMillis() < 10_000) {
            return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
        }
        return d.toMinutes() < 2 ? d.toSeconds() + " s" : d.toMinutes() + " min";
    }
}
