package dev.driftless.notify;

/** The words of a notification, all made from one {@link Event}. */
final class Messages {

    /** Characters of a commit id shown in messages. */
    static final int SHORT_COMMIT = 12;

    private Messages() {
    }

    /** {@code web-1/nginx}, {@code web-1}, or {@code ""} for a repository-wide event. */
    static String where(Event event) {
        if (event.host().isEmpty()) {
            return event.service();
        }
        return event.service().isEmpty() ? event.host() : event.host() + "/" + event.service();
    }

    static String shortCommit(String commit) {
        return commit.length() > SHORT_COMMIT ? commit.substring(0, SHORT_COMMIT) : commit;
    }

    /**
     * One line without the summary: {@code drift found on web-1/nginx at 3f2a9c1d0e4b}, and who signed the commit
     * when the agent verified it: {@code applied on web-1 at 3f2a9c1d0e4b, signed by alice@example.org (ssh
     * SHA256:…)}.
     */
    static String headline(Event event) {
        StringBuilder out = new StringBuilder(event.kind().phrase());
        String where = where(event);
        if (!where.isEmpty()) {
            out.append(" on ").append(where);
        }
        if (!event.commit().isEmpty()) {
            out.append(" at ").append(shortCommit(event.commit()));
        }
        String signer = signer(event);
        if (!signer.isEmpty()) {
            out.append(", ").append(signer);
        }
        return oneLine(out.toString());
    }

    /**
     * {@code signed by alice@example.org (ssh SHA256:…)}, or {@code ""} when the commit was not verified. A commit
     * refused as untrusted names the key instead ({@code key of mallory@example.org}): its signature may be bad, or
     * the key expired, revoked or not allowed, so it is not said to be signed by anyone.
     */
    static String signer(Event event) {
        String signer = oneLine(event.signer()).strip();
        if (signer.isEmpty()) {
            return "";
        }
        return (event.kind() == Event.Kind.UNTRUSTED_COMMIT ? "key of " : "signed by ") + signer;
    }

    /** {@code [driftless] drift found on web-1/nginx at 3f2a9c1d0e4b}: a subject or title. */
    static String title(Event event) {
        return "[driftless] " + headline(event);
    }

    /**
     * The title and the summary, at most {@code max} characters: {@code [driftless] drift found on web-1/nginx at
     * 3f2a9c1d0e4b: ~ /etc/nginx/nginx.conf}. A summary of several lines goes under the title.
     */
    static String text(Event event, int max) {
        return join(title(event), event.summary(), max);
    }

    /** The headline and the summary on one line, at most {@code max} characters (commit status descriptions). */
    static String line(Event event, int max) {
        String summary = oneLine(event.summary().strip());
        String text = summary.isEmpty() ? headline(event) : headline(event) + ": " + summary;
        return truncate(text, max);
    }

    static String join(String title, String summary, int max) {
        String body = summary.strip();
        if (body.isEmpty()) {
            return truncate(title, max);
        }
        String text = body.contains("\n") ? title + "\n" + body : title + ": " + body;
        return truncate(text, max);
    }

    /** Cuts {@code text} to at most {@code max} characters, at a line end when there is one, saying how much. */
    static String truncate(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        String marker = "\n… (truncated)";
        int keep = Math.max(0, max - marker.length());
        int newline = text.lastIndexOf('\n', keep);
        if (newline > keep / 2) {
            keep = newline;
        }
        if (keep > 0 && Character.isHighSurrogate(text.charAt(keep - 1))) {
            keep--;
        }
        return text.substring(0, keep) + marker;
    }

    static String oneLine(String text) {
        return text.replaceAll("[\\r\\n\\t]+", " ");
    }
}
