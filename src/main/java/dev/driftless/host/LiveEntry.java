package dev.driftless.host;

/** What a path is on a host right now, as one inspection saw it. Symbolic links are never followed. */
public sealed interface LiveEntry {

    /** Nothing at the path. */
    record Missing() implements LiveEntry {
    }

    /**
     * A regular file; {@code sha256} is the hex digest of its content. {@code stat} identifies this
     * version of the file (device, inode, size, modification and change times), or is null when the file
     * changed too recently for that to be safe (a write in the same clock tick would look the same).
     */
    record File(String sha256, long size, int mode, String owner, String group, String stat) implements LiveEntry {
    }

    /**
     * What an earlier inspection saw of a file: when its stat is unchanged, so is its content, and the
     * host need not read it again (git trusts its index the same way).
     */
    record Known(String stat, String sha256) {
    }

    /** A directory. */
    record Directory(int mode, String owner, String group) implements LiveEntry {
    }

    /** A symbolic link and the target it names. */
    record Symlink(String target) implements LiveEntry {
    }

    /** A socket, device or fifo: nothing Driftless manages. */
    record Other(String description) implements LiveEntry {
    }

    /**
     * A path Driftless will not touch, and did not look at: its parent directory {@code link} (a
     * repository path) is a symbolic link that leads to {@code target}, outside the host's {@code root}.
     */
    record Refused(String path, String link, String target, String root) implements LiveEntry {

        /** What a plan shows and an operation fails with; {@code verb} is what Driftless never does there. */
        public String reason(String verb) {
            return path + ": refused: " + link + " is a symbolic link to " + target + ", outside the root " + root
                    + "; Driftless never " + verb + " outside the root";
        }
    }

    static String kindOf(LiveEntry entry) {
        if (entry instanceof File) {
            return "file";
        }
        if (entry instanceof Directory) {
            return "directory";
        }
        if (entry instanceof Symlink) {
            return "symlink";
        }
        if (entry instanceof Other other) {
            return other.description();
        }
        if (entry instanceof Refused) {
            return "refused";
        }
        return "nothing";
    }
}
