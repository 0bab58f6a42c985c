package dev.driftless.plan;

import dev.driftless.host.LiveEntry;

/**
 * What a change does about something Driftless did not put at its path: take it over keeping a backup, or put
 * that backup back when the path leaves the repository.
 */
public sealed interface Takeover {

    /** Nothing of the kind: a path Driftless creates, already manages, or deletes as it made it. */
    Takeover NONE = new None();

    /** What the plan shows ({@code adopted: exists, not yet managed}) and JSON's {@code takeover}; empty for none. */
    String word();

    /** No takeover. */
    record None() implements Takeover {
        @Override
        public String word() {
            return "";
        }
    }

    /**
     * The path exists and Driftless does not manage it yet: the apply keeps a backup of {@code found} before it
     * replaces it, unless {@code backupKept} (an apply cut short after its backup: that backup is the older one).
     */
    record Adopt(LiveEntry found, boolean backupKept) implements Takeover {
        @Override
        public String word() {
            return "adopt";
        }
    }

    /** The path leaves the repository and a backup of what was there before Driftless is kept: put it back. */
    record Restore() implements Takeover {
        @Override
        public String word() {
            return "restore";
        }
    }

    /** Whether what is at a path can be kept in a backup and so taken over: a file, a directory or a link. */
    static boolean adoptable(LiveEntry found) {
        return found instanceof LiveEntry.File || found instanceof LiveEntry.Directory
                || found instanceof LiveEntry.Symlink;
    }
}
