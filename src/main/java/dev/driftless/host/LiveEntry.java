package dev.driftless.host;

/** What a path is on a host right now, as one inspection saw it. Symbolic links are never followed. */
public sealed interface LiveEntry {

    /** Nothing at the path. */
    record Missing() implements LiveEntry {
    }

    /** A regular file; {@code sha256} is the hex digest of its content. */
    record File(String sha256, long size, int mode, String owner, String group) implements LiveEntry {
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
        return "nothing";
    }
}
