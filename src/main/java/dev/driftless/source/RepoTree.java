package dev.driftless.source;

import java.util.List;
import java.util.Optional;

/**
 * The files of a Driftless repository at one revision. Paths are relative to the Driftless
 * repository root, use '/' and never start with one.
 */
public interface RepoTree {

    /**
     * Whether {@code path} is written as a tree path must be: relative, '/' between names, no empty, "."
     * or ".." name, no NUL. Anything else names nothing in the tree (and never a file outside it).
     */
    static boolean isTreePath(String path) {
        if (path.isEmpty() || path.startsWith("/") || path.indexOf('\0') >= 0) {
            return false;
        }
        for (String name : path.split("/", -1)) {
            if (name.isEmpty() || name.equals(".") || name.equals("..")) {
                return false;
            }
        }
        return true;
    }

    /**
     * What a path is in the tree. Symbolic links are reported, never followed: a path with a link in any
     * of its folders is a SYMLINK too. A path that is not a {@link #isTreePath tree path} is MISSING.
     */
    enum EntryType { FILE, DIRECTORY, SYMLINK, MISSING }

    EntryType type(String path);

    /** The bytes of a regular file, or empty when the path is not a regular file. */
    Optional<byte[]> read(String path);

    /** Names of the entries directly inside a directory, sorted; empty when it is not a directory. */
    List<String> list(String directory);

    /** The commit id, or the commit id with "+worktree" when files come from the working tree. */
    String revision();
}
