package dev.driftless.notify;

import java.util.regex.Pattern;

/** What a commit status on GitHub or Gitea/Forgejo says about an event. */
final class CommitStatuses {

    /** GitHub cuts descriptions at 140 characters. */
    static final int MAX_DESCRIPTION = 140;
    private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}|[0-9a-f]{64}");

    private CommitStatuses() {
    }

    /**
     * {@code success} for applied and drift healed; {@code failure} for a failed apply, for drift (the host does
     * not run this commit's files) and for a commit refused as untrusted or as a rewind (it runs nowhere);
     * {@code null} for source unavailable and recovered, which say nothing about a commit, and for unhealthy and
     * healthy (a service's health changes while its commit stays, and the commit that made it unhealthy is reported
     * as failed), which get no status.
     */
    static String state(Event.Kind kind) {
        return switch (kind) {
            case APPLIED, DRIFT_HEALED -> "success";
            case FAILED, DRIFT_FOUND, UNTRUSTED_COMMIT, REWIND_REFUSED -> "failure";
            case SOURCE_UNAVAILABLE, RECOVERED, UNHEALTHY, HEALTHY -> null;
        };
    }

    /** {@code driftless/web-1}, or {@code driftless} for a repository-wide event. */
    static String context(Event event) {
        return event.host().isEmpty() ? "driftless" : "driftless/" + event.host();
    }

    static String description(Event event) {
        return Messages.line(event, MAX_DESCRIPTION);
    }

    /** Whether {@code commit} is a full commit id a forge can attach a status to. */
    static boolean isFullId(String commit) {
        return SHA.matcher(commit).matches();
    }

    /**
     * The JSON body of a commit status (GitHub and Gitea/Forgejo take the same fields), or empty when the
     * event says nothing about a commit (no commit id, source unavailable, recovered).
     */
    static java.util.Optional<java.util.Map<String, Object>> body(String notifier, Event event, String targetUrl)
            throws NotifyException {
        String state = state(event.kind());
        if (state == null || event.commit().isEmpty()) {
            return java.util.Optional.empty();
        }
        if (!isFullId(event.commit())) {
            throw new NotifyException(notifier + ": '" + Messages.shortCommit(event.commit())
                    + "' is not a full commit id", false, null);
        }
        java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("state", state);
        body.put("context", context(event));
        body.put("description", description(event));
        if (targetUrl != null && !targetUrl.isEmpty()) {
            body.put("target_url", targetUrl);
        }
        return java.util.Optional.of(body);
    }
}
