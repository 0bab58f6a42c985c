package dev.driftless.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.notify.Notifications;
import dev.driftless.report.FailureKind;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.StoreException;
import java.time.Instant;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the agent keeps across restarts beside its history, in the history database under the agent's
 * name (so agents sharing a database keep theirs apart): the commit each host must have (its target),
 * each host's last failure and whether and when it is tried again, the suspensions, the rollback holds, the newest
 * commit each host ran and the rewinds refused or allowed (forward only, {@link ForwardOnly}), the newest commit
 * refused as untrusted (--verify-signatures), the ongoing problems
 * notified (so that {@code agent --once} from cron does not send the same one every run), and the apply under
 * way. The last is kept before an apply starts and cleared when it ends, so a process that dies while
 * applying (out of memory, killed, restarted by systemd) finds it at the next start and does not try
 * that commit again.
 */
final class AgentMemory {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A commit being applied, since when (ISO-8601). */
    record Attempt(String commit, String startedAt) {
    }

    /**
     * A commit that failed on a host. A deterministic failure is not tried again until a newer commit
     * arrives; a transient one is tried again at {@code retryAt}.
     */
    record Failure(String commit, FailureKind kind, String error, String at, int attempts, String retryAt) {

        boolean blocks(String candidate, Instant now) {
            return commit.equals(candidate) && (kind == FailureKind.DETERMINISTIC || now.isBefore(Instant.parse(retryAt)));
        }
    }

    /** Who suspended automatic applies, and when. */
    record Suspension(String by, String at) {
    }

    /**
     * A host rolled back on request (driftless rollback, POST /api/rollback): it is kept at {@code commit}, and new
     * commits are not applied to it, until it is resumed or a commit other than {@code newest} (the newest known when
     * the rollback was asked for) arrives.
     */
    record Hold(String commit, String by, String at, String newest) {
    }

    /**
     * A new commit not applied to a host because it does not descend from {@code newest}, the newest commit applied
     * there (a force-push back, a rewritten history), or its ancestry could not be told: {@code why}.
     */
    record Refusal(String commit, String newest, String why, String at) {
    }

    /** An operator's leave to apply {@code commit} once although it does not descend from what the hosts ran. */
    record RewindAllowance(String commit, String by, String at) {
    }

    /**
     * The newest commit of the ref, not applied anywhere because it carries no good signature from a trusted key
     * (--verify-signatures): recorded and notified once, shown until a trusted commit is the ref's.
     *
     * @param reason the {@link dev.driftless.trust.Verdict.Reason} word ({@code unsigned}, {@code unknown-key}...)
     * @param signer the key's signer when the key is listed; "" otherwise
     */
    record Distrust(String commit, String reason, String signer, String detail, String at) {
    }

    /** Every host's suspension, and the one of the whole agent ("*"). */
    static final String EVERY_HOST = "*";

    private final HistoryStore store;
    private final Map<String, String> targets;
    private final Map<String, Failure> failures;
    private final Map<String, Suspension> suspensions;
    private final Map<String, Hold> holds;
    private final Map<String, String> newest;
    // in tag mode, the tag each host's newest commit was read from; kept apart from "newest" so older state reads as is
    private final Map<String, String> newestTags;
    private final Map<String, Refusal> refusals;
    private Optional<RewindAllowance> allowance;
    private Optional<Distrust> distrust;
    private final Optional<Attempt> interrupted;
    private List<Notifications.Open> notified;
    private final StoreOutage outage;
    // by name, what could not be written yet (the database did not answer): written with the next change or cycle
    private final Map<String, String> unwritten = new LinkedHashMap<>();

    private AgentMemory(HistoryStore store, StoreOutage outage) {
        this.store = store;
        this.outage = outage;
        this.targets = new TreeMap<>(read("targets", new TypeReference<Map<String, String>>() { }));
        this.failures = new TreeMap<>(read("failures", new TypeReference<Map<String, Failure>>() { }));
        this.suspensions = new TreeMap<>(read("suspensions", new TypeReference<Map<String, Suspension>>() { }));
        this.holds = new TreeMap<>(read("holds", new TypeReference<Map<String, Hold>>() { }));
        this.newest = new TreeMap<>(read("newest", new TypeReference<Map<String, String>>() { }));
        this.newestTags = new TreeMap<>(read("newest-tags", new TypeReference<Map<String, String>>() { }));
        this.refusals = new TreeMap<>(read("refusals", new TypeReference<Map<String, Refusal>>() { }));
        this.allowance = store.recall("rewind-allowed").filter(v -> !v.equals("null"))
                .map(v -> parse(v, RewindAllowance.class, "the rewind allowed"));
        this.distrust = store.recall("untrusted").filter(v -> !v.equals("null"))
                .map(v -> parse(v, Distrust.class, "the untrusted commit"));
        this.notified = read("notified", "[]", new TypeReference<List<Notifications.Open>>() { });
        this.interrupted = store.recall("attempt").filter(v -> !v.equals("null"))
                .map(v -> parse(v, Attempt.class, "the apply under way"));
    }

    /** What the last run left; nothing on the first run. */
    static AgentMemory load(HistoryStore store) {
        return load(store, new StoreOutage(java.time.Clock.systemUTC()));
    }

    /** The same, telling {@code outage} whether the database takes what it writes. */
    static AgentMemory load(HistoryStore store, StoreOutage outage) {
        return new AgentMemory(store, outage);
    }

    /** The apply the last run started and never finished: the process died during it. */
    Optional<Attempt> interrupted() {
        return interrupted;
    }

    synchronized Optional<String> target(String host) {
        return Optional.ofNullable(targets.get(host));
    }

    synchronized Map<String, String> targets() {
        return Map.copyOf(targets);
    }

    synchronized Optional<Failure> failure(String host) {
        return Optional.ofNullable(failures.get(host));
    }

    synchronized Map<String, Failure> failures() {
        return Map.copyOf(failures);
    }

    synchronized Map<String, Suspension> suspensions() {
        return Map.copyOf(suspensions);
    }

    /** Whether automatic applies and heals are suspended on the host (or on every host). */
    synchronized boolean suspended(String host) {
        return suspensions.containsKey(host) || suspensions.containsKey(EVERY_HOST);
    }

    /** Who suspended the host, if it is. */
    synchronized Optional<Suspension> suspension(String host) {
        return Optional.ofNullable(suspensions.get(host)).or(() -> Optional.ofNullable(suspensions.get(EVERY_HOST)));
    }

    /** Keeps, before any host is touched, that {@code commit} is being applied. */
    synchronized void begin(String commit, Instant at) {
        write("attempt", new Attempt(commit, at.toString()));
    }

    /** The apply ended (whatever its result). */
    synchronized void end() {
        write("attempt", null);
    }

    /** These hosts have {@code commit} now: it is their target, and their failures are over. */
    synchronized void applied(Collection<String> hosts, String commit) {
        hosts.forEach(host -> {
            targets.put(host, commit);
            failures.remove(host);
        });
        write("targets", targets);
        write("failures", failures);
    }

    synchronized void failed(String host, Failure failure) {
        failures.put(host, failure);
        write("failures", failures);
    }

    synchronized void suspend(String host, Suspension suspension) {
        suspensions.put(host, suspension);
        write("suspensions", suspensions);
    }

    /** Resumes one host, or with {@link #EVERY_HOST} every host: its suspension and its rollback hold end. */
    synchronized void resume(String host) {
        if (host.equals(EVERY_HOST)) {
            suspensions.clear();
            holds.clear();
        } else {
            suspensions.remove(host);
            holds.remove(host);
        }
        write("suspensions", suspensions);
        write("holds", holds);
    }

    /** Keeps the host at a commit it was rolled back to (replacing an earlier hold of it). */
    synchronized void hold(String host, Hold hold) {
        holds.put(host, hold);
        write("holds", holds);
    }

    /** The host's rollback hold, if it has one. */
    synchronized Optional<Hold> hold(String host) {
        return Optional.ofNullable(holds.get(host));
    }

    synchronized Map<String, Hold> holds() {
        return Map.copyOf(holds);
    }

    /** Ends the host's rollback hold (a newer commit arrived); its suspension, if any, stays. */
    synchronized void release(String host) {
        if (holds.remove(host) != null) {
            write("holds", holds);
        }
    }

    /**
     * The newest commit applied to the host by following the ref (a rollback on request does not change it), which a
     * new commit must descend from; an agent that kept none yet (it ran before this was kept) goes by the target, and
     * a host the agent never applied to by the newest commit it applied to any host ({@link #EVERY_HOST}).
     */
    synchronized Optional<String> newest(String host) {
        // a host new to the agent goes by the newest commit applied anywhere: naming a machine anew in a rewritten
        // history must not get that history applied to it
        return Optional.ofNullable(newest.get(host)).or(() -> target(host))
                .or(() -> Optional.ofNullable(newest.get(EVERY_HOST)));
    }

    /**
     * In tag mode, the tag the newest commit applied to the host was read from ({@link #newest}); nothing when it was
     * read from a branch or a commit, or the state is older than tag mode.
     */
    synchronized Optional<String> newestTag(String host) {
        if (newest.containsKey(host) || targets.containsKey(host)) {
            return Optional.ofNullable(newestTags.get(host));
        }
        return Optional.ofNullable(newestTags.get(EVERY_HOST));
    }

    /** These hosts moved forward to {@code commit} (or were allowed back to it): their newest, nothing refused. */
    synchronized void advanced(Collection<String> hosts, String commit) {
        advanced(hosts, commit, Optional.empty());
    }

    /** The same, in tag mode read from {@code tag}, which forward is then judged from. */
    synchronized void advanced(Collection<String> hosts, String commit, Optional<String> tag) {
        if (hosts.isEmpty()) {
            return;
        }
        List<String> all = new java.util.ArrayList<>(hosts);
        all.add(EVERY_HOST);
        all.forEach(host -> {
            newest.put(host, commit);
            refusals.remove(host);
            tag.ifPresentOrElse(t -> newestTags.put(host, t), () -> newestTags.remove(host));
        });
        write("newest", newest);
        write("newest-tags", newestTags);
        write("refusals", refusals);
    }

    synchronized void refused(String host, Refusal refusal) {
        refusals.put(host, refusal);
        write("refusals", refusals);
    }

    synchronized Optional<Refusal> refusal(String host) {
        return Optional.ofNullable(refusals.get(host));
    }

    synchronized Map<String, Refusal> refusals() {
        return Map.copyOf(refusals);
    }

    /** Allows one rewind (replacing an earlier allowance not used yet). */
    synchronized void allowRewind(RewindAllowance allowed) {
        allowance = Optional.of(allowed);
        write("rewind-allowed", allowed);
    }

    synchronized Optional<RewindAllowance> rewindAllowance() {
        return allowance;
    }

    synchronized void endRewindAllowance() {
        if (allowance.isPresent()) {
            allowance = Optional.empty();
            write("rewind-allowed", null);
        }
    }

    /** The ref's commit is not trusted (replacing an earlier one). */
    synchronized void distrusted(Distrust untrusted) {
        distrust = Optional.of(untrusted);
        write("untrusted", untrusted);
    }

    synchronized Optional<Distrust> distrust() {
        return distrust;
    }

    /** A trusted commit is the ref's again. */
    synchronized void trustedAgain() {
        if (distrust.isPresent()) {
            distrust = Optional.empty();
            write("untrusted", null);
        }
    }

    /** The ongoing problems the notifications sent, and to which destination when. */
    synchronized List<Notifications.Open> notified() {
        return notified;
    }

    synchronized void notified(List<Notifications.Open> open) {
        if (!open.equals(notified)) {
            notified = List.copyOf(open);
            write("notified", notified);
        }
    }

    private <T> T read(String name, TypeReference<T> type) {
        return read(name, "{}", type);
    }

    private <T> T read(String name, String nothing, TypeReference<T> type) {
        try {
            return JSON.readValue(store.recall(name).orElse(nothing), type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the agent's memory '" + name + "' in the history database is damaged: "
                    + e.getOriginalMessage(), e);
        }
    }

    private static <T> T parse(String value, Class<T> type, String what) {
        try {
            return JSON.readValue(value, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the agent's memory of " + what + " is damaged: "
                    + e.getOriginalMessage(), e);
        }
    }

    private void write(String name, Object value) {
        try {
            unwritten.put(name, JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        writeKept();
    }

    /**
     * Writes what could not be written while the history database did not answer (the newest value of each name),
     * until it fails again; this memory stays what the agent goes by meanwhile. Called with every change, and after
     * every cycle.
     */
    synchronized void writeKept() {
        if (unwritten.isEmpty() || !outage.mayTry()) {
            return;
        }
        for (Iterator<Map.Entry<String, String>> kept = unwritten.entrySet().iterator(); kept.hasNext(); ) {
            Map.Entry<String, String> value = kept.next();
            try {
                store.remember(value.getKey(), value.getValue());
            } catch (StoreException e) {
                outage.failed(e);
                return;
            }
            kept.remove();
        }
        outage.succeeded();
    }
}
