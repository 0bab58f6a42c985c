package dev.driftless.notify;

import dev.driftless.model.NotificationEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends events to the rules of {@code driftless.yaml} without flooding and without blocking the caller.
 *
 * <p><b>Flooding.</b> Events are grouped by problem key: (problem, host, service), where each problem goes with its
 * resolution: failed ↔ applied, drift found ↔ drift healed, source unavailable ↔ recovered, unhealthy ↔ healthy.
 * A problem is sent to a rule once, then again only after the rule's {@code repeat}, or sooner when it is reported
 * for another commit (a new commit that fails again is news, and a commit status belongs to each commit). The first
 * resolution of the same key ends the problem and is sent once. A resolution also ends the repository-wide problem
 * of its kind ({@code host = service = ""}) but for drift and health: if anything applied, the repository validated
 * and the source was read. Applied and drift healed with no problem before are news and always sent; recovered and
 * healthy with no problem before are not sent. An {@link IncidentNotifier} (PagerDuty) gets a resolution only for an
 * incident it was sent, one per problem it ends, addressed to that problem's host and service. The state is kept by the caller:
 * {@link #open} says what is ongoing and what was sent, {@link #continueFrom} takes it back after a restart
 * (the agent keeps it in its history database) or when the rules change (an entry that keeps its name keeps what
 * it was sent).
 *
 * <p><b>Blocking.</b> {@link #publish} only decides and queues. Each rule has its own lane (one daemon thread,
 * created when needed, and a queue of at most {@value #QUEUE_LIMIT} events; beyond that events are dropped, and
 * the first drop and every hundredth are logged), so a destination that hangs delays only itself and the events of one destination arrive in order.
 * A delivery is tried at most {@code attempts} times, waiting {@code backoff}, then twice that, between tries;
 * each try is bounded by the notifier's timeout. A refusal that trying again cannot change (HTTP 4xx but 408, 425
 * and 429; a refused SMTP login) is not tried again. Failures are logged, never thrown.
 */
public final class Notifications implements AutoCloseable {

    public static final int DEFAULT_ATTEMPTS = 3;
    public static final Duration DEFAULT_BACKOFF = Duration.ofSeconds(2);
    static final int QUEUE_LIMIT = 100;

    private static final Logger LOG = LoggerFactory.getLogger(Notifications.class);

    private record Key(NotificationEvent problem, String host, String service) {
    }

    /**
     * An ongoing problem as it is kept across restarts: when, and for which commit, it was last sent to each rule
     * (by name).
     *
     * @param host    {@code ""} for a repository-wide problem
     * @param service {@code ""} for a host-wide or repository-wide problem
     */
    public record Open(NotificationEvent problem, String host, String service, Map<String, Sent> sent) {
        public Open {
            Objects.requireNonNull(problem, "problem");
            host = host == null ? "" : host;
            service = service == null ? "" : service;
            sent = sent == null ? Map.of() : Map.copyOf(sent);
        }
    }

    /** When (ISO-8601) a problem was last sent to a rule, and for which commit. */
    public record Sent(String commit, String at) {
        public Sent {
            Objects.requireNonNull(commit, "commit");
            Objects.requireNonNull(at, "at");
        }
    }

    /** One event for one rule (by index). */
    private record Delivery(int rule, Event event) {
    }

    private final List<NotificationRule> rules;
    private final List<ThreadPoolExecutor> lanes;
    private final Clock clock;
    private final int attempts;
    private final Duration backoff;
    private final List<AtomicInteger> dropped;
    /** Each ongoing problem: when it was last sent to each rule (by name). */
    private final Map<Key, Map<String, Sent>> open = new HashMap<>();
    private final Object pendingLock = new Object();
    private int pending;
    private volatile boolean closed;

    public Notifications(List<NotificationRule> rules, Clock clock) {
        this(rules, clock, DEFAULT_ATTEMPTS, DEFAULT_BACKOFF);
    }

    /**
     * @param attempts tries per delivery, at least 1
     * @param backoff  the wait after the first failed try; it doubles after each further one
     */
    public Notifications(List<NotificationRule> rules, Clock clock, int attempts, Duration backoff) {
        this.rules = List.copyOf(rules);
        this.clock = Objects.requireNonNull(clock, "clock");
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1");
        }
        this.attempts = attempts;
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        List<ThreadPoolExecutor> executors = new ArrayList<>();
        for (NotificationRule rule : this.rules) {
            ThreadPoolExecutor lane = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(QUEUE_LIMIT), runnable -> {
                        Thread thread = new Thread(runnable, "driftless-notify-" + rule.name());
                        thread.setDaemon(true);
                        return thread;
                    });
            lane.allowCoreThreadTimeOut(true);
            executors.add(lane);
        }
        this.lanes = List.copyOf(executors);
        this.dropped = this.rules.stream().map(r -> new AtomicInteger()).toList();
    }

    /** The rules events go to. */
    public List<NotificationRule> rules() {
        return rules;
    }

    /**
     * Takes the ongoing problems {@code open} says were sent (by the notifications these replace, or by the last
     * run of the agent), so that an ongoing problem is not sent again only because driftless.yaml changed or the
     * agent restarted, and a resolution still reaches an incident opened before. Call it before the first
     * {@link #publish}.
     */
    public void continueFrom(List<Open> open) {
        synchronized (this.open) {
            for (Open problem : open) {
                this.open.put(new Key(problem.problem(), problem.host(), problem.service()),
                        new HashMap<>(problem.sent()));
            }
        }
    }

    /** The ongoing problems and what was sent about them, in a stable order, to keep across restarts. */
    public List<Open> open() {
        synchronized (open) {
            return open.entrySet().stream()
                    .map(e -> new Open(e.getKey().problem(), e.getKey().host(), e.getKey().service(), e.getValue()))
                    .sorted(java.util.Comparator.comparing((Open o) -> o.problem().ordinal())
                            .thenComparing(Open::host).thenComparing(Open::service))
                    .toList();
        }
    }

    /**
     * Reports the current condition of (problem, host, service); sends what is news to the rules that want it.
     * Returns at once: delivery happens in the background.
     */
    public void publish(Event event) {
        Objects.requireNonNull(event, "event");
        if (closed) {
            LOG.debug("notifications closed; not sending {}", event.kind().id());
            return;
        }
        List<Delivery> deliveries = new ArrayList<>();
        synchronized (open) {
            NotificationEvent kind = event.kind().event();
            Key key = new Key(kind.problem(), event.host(), event.service());
            if (kind.isProblem()) {
                problem(key, kind, event, deliveries);
            } else {
                resolution(key, kind, event, deliveries);
            }
        }
        for (Delivery delivery : deliveries) {
            enqueue(delivery.rule(), delivery.event());
        }
    }

    private void problem(Key key, NotificationEvent kind, Event event, List<Delivery> deliveries) {
        Instant now = clock.instant();
        Map<String, Sent> sent = open.computeIfAbsent(key, k -> new HashMap<>());
        for (int i = 0; i < rules.size(); i++) {
            NotificationRule rule = rules.get(i);
            if (!rule.events().contains(kind)) {
                continue;
            }
            Sent last = sent.get(rule.name());
            if (last == null || !last.commit().equals(event.commit())
                    || !now.isBefore(Instant.parse(last.at()).plus(rule.repeat()))) {
                sent.put(rule.name(), new Sent(event.commit(), now.toString()));
                deliveries.add(new Delivery(i, event));
            }
        }
    }

    private void resolution(Key key, NotificationEvent kind, Event event, List<Delivery> deliveries) {
        Map<Key, Map<String, Sent>> ended = new LinkedHashMap<>();
        // drift and health are a service's own: no repository-wide problem of theirs to end
        List<Key> keys = kind == NotificationEvent.DRIFT_HEALED || kind == NotificationEvent.HEALTHY ? List.of(key)
                : List.of(key, new Key(kind.problem(), "", ""));
        for (Key k : keys) {
            Map<String, Sent> sent = open.remove(k);
            if (sent != null) {
                ended.put(k, sent);
            }
        }
        for (int i = 0; i < rules.size(); i++) {
            NotificationRule rule = rules.get(i);
            if (!rule.events().contains(kind)) {
                continue;
            }
            if (rule.notifier() instanceof IncidentNotifier) {
                // one resolution for each incident this destination opened, addressed as that incident was
                for (Map.Entry<Key, Map<String, Sent>> e : ended.entrySet()) {
                    if (e.getValue().containsKey(rule.name())) {
                        deliveries.add(new Delivery(i, new Event(event.kind(), e.getKey().host(), e.getKey().service(),
                                event.commit(), event.summary(), event.at(), event.signer())));
                    }
                }
            } else if (!ended.isEmpty() || (kind != NotificationEvent.RECOVERED && kind != NotificationEvent.HEALTHY)) {
                deliveries.add(new Delivery(i, event));
            }
        }
    }

    private void enqueue(int index, Event event) {
        NotificationRule rule = rules.get(index);
        synchronized (pendingLock) {
            pending++;
        }
        try {
            lanes.get(index).execute(() -> deliver(rule, event));
        } catch (RejectedExecutionException e) {
            finished();
            int count = dropped.get(index).incrementAndGet();
            if (count == 1 || count % QUEUE_LIMIT == 0) {
                LOG.warn("notification '{}': {} on {} dropped: {} events are waiting for this destination already"
                        + " ({} dropped so far)", rule.name(), event.kind().id(), describe(event), QUEUE_LIMIT, count);
            }
        }
    }

    private void deliver(NotificationRule rule, Event event) {
        try {
            Duration wait = backoff;
            for (int attempt = 1; attempt <= attempts; attempt++) {
                try {
                    rule.notifier().send(event);
                    LOG.debug("notification '{}': sent {} on {}", rule.name(), event.kind().id(), describe(event));
                    return;
                } catch (NotifyException | RuntimeException e) {
                    String why = e instanceof NotifyException ? e.getMessage()
                            : rule.name() + ": " + e.getClass().getSimpleName();
                    boolean retryable = !(e instanceof NotifyException n) || n.retryable();
                    if (attempt == attempts || !retryable) {
                        LOG.warn("notification '{}': {} on {} not delivered after {} attempt{}: {}", rule.name(),
                                event.kind().id(), describe(event), attempt, attempt == 1 ? "" : "s", why);
                        return;
                    }
                    LOG.info("notification '{}': attempt {}/{} failed ({}); trying again in {}", rule.name(),
                            attempt, attempts, why, Durations.format(wait));
                }
                if (closed || !pause(wait)) {
                    LOG.warn("notification '{}': {} on {} not delivered: shutting down", rule.name(),
                            event.kind().id(), describe(event));
                    return;
                }
                wait = wait.multipliedBy(2);
            }
        } finally {
            finished();
        }
    }

    private static boolean pause(Duration wait) {
        try {
            Thread.sleep(wait.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String describe(Event event) {
        String where = Messages.where(event);
        return where.isEmpty() ? "the repository" : where;
    }

    private void finished() {
        synchronized (pendingLock) {
            pending--;
            if (pending <= 0) {
                pending = 0;
                pendingLock.notifyAll();
            }
        }
    }

    /**
     * Waits until every queued delivery was sent or given up, at most {@code timeout}.
     *
     * @return whether nothing is left to deliver
     */
    public boolean drain(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (pendingLock) {
            while (pending > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(pendingLock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * Stops at once: queued events are dropped, a delivery under way is interrupted. Call {@link #drain} first to
     * give them a chance.
     */
    @Override
    public void close() {
        closed = true;
        for (ThreadPoolExecutor lane : lanes) {
            lane.shutdownNow();
        }
        for (ThreadPoolExecutor lane : lanes) {
            try {
                if (!lane.awaitTermination(2, TimeUnit.SECONDS)) {
                    LOG.debug("a notification lane did not stop within 2s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        synchronized (pendingLock) {
            pending = 0;
            pendingLock.notifyAll();
        }
    }
}
