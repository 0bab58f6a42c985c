package dev.driftless.source;

import java.util.List;
import java.util.Optional;

/**
 * The files of a Driftless repository at one revision. Paths are relative to the Driftless
 * repository root, use '/' and never start with one.
 */
public interface RepoTree {

    /** What a path is in the tree. Symbolic links are reported, never followed. */
    enum EntryType { FILE, DIRECTORY, SYMLINK, MISSING }

    EntryType type(String path);

    /** The bytes of a regular file, or empty when the path is not a regular file. */
    Optional<byte[]> read(String path);

    /** Names of the entries directly inside a directory, sorted; empty when it is not a directory. */
    List<String> list(String directory);

    /** The commit id, or the commit id with "+worktree" when files come from the working tree. */
    String revision();
}
