package dev.driftless.agent;

import dev.driftless.report.HealthState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The agent's Prometheus metrics, named as a Flux or Argo CD user expects:
 * <ul>
 * <li>{@code driftless_reconcile_duration_seconds} (histogram, buckets 0.05 s to 300 s)</li>
 * <li>{@code driftless_reconcile_total{result}}</li>
 * <li>{@code driftless_drifted_resources{host,service}}</li>
 * <li>{@code driftless_service_health{host,service,state}}: 1 for the state a service is in ({@code healthy},
 * {@code unknown}, {@code degraded}), 0 for the others, as kube-state-metrics shows a state</li>
 * <li>{@code driftless_last_applied_timestamp_seconds} (0 before the first apply)</li>
 * <li>{@code driftless_source_fetch_errors_total}</li>
 * <li>{@code driftless_suspended} (1 when automatic applies are suspended on any host) and
 * {@code driftless_host_suspended{host}}</li>
 * </ul>
 * Thread-safe: the loop updates while {@code /metrics} scrapes.
 */
public final class AgentMetrics {

    /** Histogram buckets in seconds: a no-op reconcile takes tens of milliseconds, a slow SSH fleet minutes. */
    static final double[] BUCKETS_SECONDS = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer reconcileDuration;
    private final Counter fetchErrors;
    private final Counter fetches;
    private final AtomicLong lastAppliedEpochMillis = new AtomicLong();
    private final AtomicInteger suspended = new AtomicInteger();
    private final AtomicInteger untrusted = new AtomicInteger();
    private final Counter untrustedCommits;
    private final Map<String, Counter> reconcileResults = new ConcurrentHashMap<>();
    private final Map<HostService, Drift> drifted = new ConcurrentHashMap<>();
    private final Map<String, HostSuspension> hostSuspended = new ConcurrentHashMap<>();
    private final Map<HostService, Health> health = new ConcurrentHashMap<>();

    public AgentMetrics() {
        Duration[] slos = new Duration[BUCKETS_SECONDS.length];
        for (int i = 0; i < slos.length; i++) {
            slos[i] = Duration.ofNanos(Math.round(BUCKETS_SECONDS[i] * 1_000_000_000L));
        }
        reconcileDuration = Timer.builder("driftless.reconcile.duration")
                .description("How long one reconcile (fetch, plan, apply of every host) took")
                .serviceLevelObjectives(slos)
                .register(registry);
        fetches = Counter.builder("driftless.source.fetches")
                .description("Fetches of the Git source, successful or not (each fetch cycle of the loop)")
                .register(registry);
        fetchErrors = Counter.builder("driftless.source.fetch.errors")
                .description("Fetches of the Git source that failed")
                .register(registry);
        Gauge.builder("driftless.last.applied.timestamp", lastAppliedEpochMillis, millis -> millis.get() / 1000.0)
                .description("When a commit was last applied in full, in seconds since the epoch (0: never)")
                .baseUnit("seconds")
                .register(registry);
        Gauge.builder("driftless.suspended", suspended, AtomicInteger::get)
                .description("1 when automatic applies are suspended on any host, else 0")
                .register(registry);
        Gauge.builder("driftless.commit.untrusted", untrusted, AtomicInteger::get)
                .description("1 while the ref's newest commit is refused as untrusted (--verify-signatures), else 0")
                .register(registry);
        untrustedCommits = Counter.builder("driftless.untrusted.commits")
                .description("Commits refused because they carry no good signature from a trusted key")
                .register(registry);
    }

    /** A commit was refused as untrusted (counted once per commit). */
    public void untrusted() {
        untrustedCommits.increment();
        untrusted.set(1);
    }

    /** One reconcile ended; result is e.g. "success", "failure" or "no-op" (a label value, kept as given). */
    public void reconcileFinished(Duration took, String result) {
        reconcileDuration.record(took);
        reconcileResults.computeIfAbsent(Objects.requireNonNull(result, "result"), r -> Counter.builder("driftless.reconcile")
                .description("Reconciles by result")
                .tag("result", r)
                .register(registry)).increment();
    }

    /** Sets how many resources of a service differ on a host from the last apply. */
    public void driftedResources(String host, String service, int count) {
        HostService key = new HostService(host, service);
        drifted.computeIfAbsent(key, k -> {
            AtomicInteger value = new AtomicInteger();
            Gauge gauge = Gauge.builder("driftless.drifted.resources", value, AtomicInteger::get)
                    .description("Resources of a service that changed on the host since the last apply")
                    .tag("host", host)
                    .tag("service", service)
                    .register(registry);
            return new Drift(value, gauge);
        }).value().set(count);
    }

    /** Forgets a host's service (removed from the repository or the inventory): its series disappears. */
    public void removeDriftedResources(String host, String service) {
        Drift drift = drifted.remove(new HostService(host, service));
        if (drift != null) {
            registry.remove(drift.gauge());
        }
    }

    /** Sets the health of a service on a host: its series of {@code state} is 1, the others 0. */
    public void serviceHealth(String host, String service, HealthState state) {
        health.computeIfAbsent(new HostService(host, service), key -> {
            Map<HealthState, AtomicInteger> values = new EnumMap<>(HealthState.class);
            List<Gauge> gauges = new ArrayList<>();
            for (HealthState each : HealthState.values()) {
                AtomicInteger value = new AtomicInteger();
                values.put(each, value);
                gauges.add(Gauge.builder("driftless.service.health", value, AtomicInteger::get)
                        .description("1 for the health a service is in on a host (healthy, unknown, degraded), else 0")
                        .tag("host", host)
                        .tag("service", service)
                        .tag("state", each.word())
                        .register(registry));
            }
            return new Health(values, gauges);
        }).values().forEach((each, value) -> value.set(each == state ? 1 : 0));
    }

    /** Forgets a host's service's health: its series disappear. */
    private void removeServiceHealth(HostService key) {
        Health gone = health.remove(key);
        if (gone != null) {
            gone.gauges().forEach(registry::remove);
        }
    }

    /** A commit was applied in full at this time. */
    public void applied(Instant at) {
        lastAppliedEpochMillis.set(at.toEpochMilli());
    }

    /** The loop fetched the source (whatever came of it). */
    public void fetched() {
        fetches.increment();
    }

    /** A fetch of the source failed. */
    public void fetchFailed() {
        fetchErrors.increment();
    }

    /** Whether automatic applies are suspended on any host. */
    public void suspended(boolean any) {
        suspended.set(any ? 1 : 0);
    }

    /** Whether automatic applies are suspended on one host ({@code driftless_host_suspended{host}}). */
    public void suspended(String host, boolean suspendedOnHost) {
        hostSuspended.computeIfAbsent(host, h -> {
            AtomicInteger value = new AtomicInteger();
            Gauge gauge = Gauge.builder("driftless.host.suspended", value, AtomicInteger::get)
                    .description("1 when automatic applies are suspended on this host, else 0")
                    .tag("host", h)
                    .register(registry);
            return new HostSuspension(value, gauge);
        }).value().set(suspendedOnHost ? 1 : 0);
    }

    /**
     * Brings the gauges in line with a status snapshot: drifted resources and health per host and service (series
     * of hosts and services no longer reported are removed), suspension overall and per host, last apply time.
     */
    public void observe(AgentStatus status) {
        Set<HostService> seen = new HashSet<>();
        for (AgentStatus.HostStatus host : status.hosts()) {
            for (AgentStatus.ServiceStatus service : host.services()) {
                seen.add(new HostService(host.host(), service.service()));
                driftedResources(host.host(), service.service(), service.driftedResources());
                serviceHealth(host.host(), service.service(), service.health());
            }
        }
        for (HostService key : Set.copyOf(drifted.keySet())) {
            if (!seen.contains(key)) {
                removeDriftedResources(key.host(), key.service());
            }
        }
        for (HostService key : Set.copyOf(health.keySet())) {
            if (!seen.contains(key)) {
                removeServiceHealth(key);
            }
        }
        observeSuspension(status);
        status.appliedAt().ifPresent(this::applied);
        untrusted.set(status.untrusted().isPresent() ? 1 : 0);
    }

    /**
     * Sets {@code driftless_suspended} and {@code driftless_host_suspended{host}} from a status snapshot (the
     * server does so on every scrape and after every suspend or resume); hosts no longer reported are removed.
     */
    public void observeSuspension(AgentStatus status) {
        Set<String> hosts = new HashSet<>();
        boolean any = status.suspended();
        for (AgentStatus.HostStatus host : status.hosts()) {
            hosts.add(host.host());
            any |= host.suspended();
            suspended(host.host(), status.suspended() || host.suspended());
        }
        for (String host : Set.copyOf(hostSuspended.keySet())) {
            if (!hosts.contains(host)) {
                HostSuspension gone = hostSuspended.remove(host);
                if (gone != null) {
                    registry.remove(gone.gauge());
                }
            }
        }
        suspended(any);
    }

    /** The metrics in the Prometheus text format (version 0.0.4). */
    public String scrape() {
        return registry.scrape();
    }

    /** The registry, for more meters (JVM, process) if the agent wants them. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    private record HostService(String host, String service) {
    }

    private record Drift(AtomicInteger value, Gauge gauge) {
    }

    private record HostSuspension(AtomicInteger value, Gauge gauge) {
    }

    private record Health(Map<HealthState, AtomicInteger> values, List<Gauge> gauges) {
    }
}
