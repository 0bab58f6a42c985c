package dev.driftless.agent;

import dev.driftless.engine.PlanPrinter;
import dev.driftless.source.Ancestry;
import dev.driftless.source.RepoSource;
import dev.driftless.source.SourceException;
import dev.driftless.source.TagInfo;
import dev.driftless.source.VersionOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Keeps each host's history moving forward (issue 15): a new commit is applied to a host only when it descends from
 * the newest commit the agent applied there by following its ref, so that whoever can push cannot take the hosts back
 * to an old commit with a known hole (a force-push back) nor onto a rewritten history. A rollback on request is not a
 * step back: it goes to a commit the host ran and was healthy at, and the newest commit stays what it was. An operator
 * may allow one rewind ({@code driftless allow-rewind}, {@code agent --once --allow-rewind-to}). In tag mode
 * ({@code --ref} a tag pattern) forward means a tag of a higher version than the one the host's newest commit was read
 * from ({@link VersionOrder#RELEASES}); a host whose newest commit came from a branch is judged by ancestry.
 */
final class ForwardOnly {

    private static final Pattern COMMIT_ID = Pattern.compile("[0-9a-f]{7,40}");

    /**
     * What may be done with the hosts due for a commit: applied as usual, applied as the rewind an operator allowed,
     * refused (host to why, kept until a newer commit arrives or the rewind is allowed), or left for the next fetch
     * because the history could not be fetched to tell (host to why).
     */
    record Decision(List<String> forward, List<String> allowed, Map<String, String> refused,
            Map<String, String> undecided) {
    }

    private final AgentMemory memory;
    private final String repo;

    ForwardOnly(AgentMemory memory, String repo) {
        this.memory = memory;
        this.repo = repo;
    }

    /** Decides, for each host due for the commit {@code checkout} read, whether it moves forward. */
    Decision decide(RepoSource.Checkout checkout, List<String> hosts) {
        String commit = checkout.commit().id();
        List<String> forward = new ArrayList<>();
        List<String> allowed = new ArrayList<>();
        Map<String, String> refused = new LinkedHashMap<>();
        Map<String, String> undecided = new LinkedHashMap<>();
        // hosts mostly share their newest commit: its history is walked once
        Map<String, Ancestry> known = new HashMap<>();
        for (String host : hosts) {
            Optional<String> newest = memory.newest(host);
            if (newest.isEmpty()) {
                forward.add(host); // the agent never applied anything: its first commit is a step forward
                continue;
            }
            Optional<String> newestTag = memory.newestTag(host);
            if (checkout.tag().isPresent() && newestTag.isPresent()) {
                TagInfo tag = checkout.tag().get();
                if (higher(tag, commit, newestTag.get(), newest.get())) {
                    forward.add(host);
                } else if (allows(commit)) {
                    allowed.add(host);
                } else {
                    refused.put(host, "tag " + tag.name() + " (commit " + PlanPrinter.shortRevision(commit)
                            + ") is not a higher version than tag " + newestTag.get() + " (commit "
                            + PlanPrinter.shortRevision(newest.get()) + "), the newest applied there: a tag was"
                            + " deleted or moved back");
                }
                continue;
            }
            Ancestry ancestry;
            try {
                ancestry = known.computeIfAbsent(newest.get(), checkout::ancestry);
            } catch (SourceException e) {
                undecided.put(host, "cannot tell whether commit " + PlanPrinter.shortRevision(commit)
                        + " descends from " + PlanPrinter.shortRevision(newest.get())
                        + ", the newest commit applied there: " + e.getMessage());
                continue;
            }
            if (ancestry == Ancestry.DESCENDS) {
                forward.add(host);
            } else if (allows(commit)) {
                allowed.add(host);
            } else {
                refused.put(host, why(ancestry, commit, newest.get()));
            }
        }
        return new Decision(forward, allowed, refused, undecided);
    }

    /**
     * Whether {@code tag} is a step forward from the newest tag a host ran: a higher version, or the same tag still
     * naming the same commit (a host new to the agent catching up with the others).
     */
    private static boolean higher(TagInfo tag, String commit, String newestTag, String newest) {
        int order = VersionOrder.RELEASES.compare(tag.name(), newestTag);
        return order > 0 || order == 0 && commit.equals(newest);
    }

    private String why(Ancestry ancestry, String commit, String newest) {
        String pair = "commit " + PlanPrinter.shortRevision(commit) + " does not descend from "
                + PlanPrinter.shortRevision(newest) + ", the newest commit applied there";
        return ancestry == Ancestry.DIVERGES ? pair + ": the ref was moved back (a force-push) or its history rewritten"
                : "cannot tell whether " + pair.replace(" does not descend ", " descends ") + ": it is not among the "
                        + RepoSource.ANCESTRY_DEPTH + " commits before it in " + repo;
    }

    /** What to do about a refusal: the hosts stay, and how to allow it once if it is wanted. */
    static String remedy(String commit) {
        return "the hosts stay at their commit and drift checks go on against it; if this commit is wanted, allow it"
                + " once: driftless allow-rewind --to " + PlanPrinter.shortRevision(commit)
                + " (or agent --once --allow-rewind-to " + PlanPrinter.shortRevision(commit) + ")";
    }

    /** Whether an operator allowed {@code commit} to be applied although it is a step back. */
    boolean allows(String commit) {
        return memory.rewindAllowance().filter(a -> commit.startsWith(a.commit())).isPresent();
    }

    /** Who allowed the rewind to {@code commit}, for the trigger of its apply. */
    String allowedBy(String commit) {
        return memory.rewindAllowance().filter(a -> commit.startsWith(a.commit())).map(AgentMemory.RewindAllowance::by)
                .orElse("?");
    }

    /**
     * Allows the rewind to {@code commit} (a full id, or its first 7 or more hex digits): kept, across restarts, until
     * a commit other than it is the one the ref names.
     *
     * @throws IllegalArgumentException when it is not a commit id
     */
    AgentMemory.RewindAllowance allow(String commit, String by, Instant at) {
        String id = commit.strip().toLowerCase(Locale.ROOT);
        if (!COMMIT_ID.matcher(id).matches()) {
            throw new IllegalArgumentException("'" + commit + "' is not a commit id: give the id of the commit the"
                    + " agent refused, or at least its first 7 hex digits (driftless status shows it)");
        }
        AgentMemory.RewindAllowance allowance = new AgentMemory.RewindAllowance(id, by, at.toString());
        memory.allowRewind(allowance);
        return allowance;
    }

    /** Ends the allowance when the ref names another commit than the one allowed, and says so. */
    Optional<String> endAllowance(String latest) {
        Optional<AgentMemory.RewindAllowance> allowance = memory.rewindAllowance()
                .filter(a -> !latest.startsWith(a.commit()));
        allowance.ifPresent(a -> memory.endRewindAllowance());
        return allowance.map(a -> "the rewind to " + a.commit() + " allowed by " + a.by()
                + " ends: the ref names commit " + PlanPrinter.shortRevision(latest));
    }
}
