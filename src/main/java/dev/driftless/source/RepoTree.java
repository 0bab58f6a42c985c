package dev.driftless.source;

import java.util.List;
import java.util.Optional;

/**
 * The files of a Driftless repository at one revision. Paths are relative to the Driftless
 * repository root, use '/' and never start with one.
 */
public interface RepoTree {

    /**
     * The most bytes Driftless reads from one repository file. A larger file is refused with a
     * message, not read into memory: a repository holds configuration, and the whole file would be
     * held for every host it goes to.
     */
    long MAX_FILE_BYTES = 64L * 1024 * 1024;

    /** Refuses a file of {@code size} bytes when it is larger than {@link #MAX_FILE_BYTES}. */
    static void checkSize(String path, long size) {
        if (size > MAX_FILE_BYTES) {
            throw new SourceException(path + " has " + size + " bytes, more than the 64 MiB (" + MAX_FILE_BYTES
                    + " bytes) Driftless reads from one repository file; keep large files out of the repository"
                    + " (install them with a package, or fetch them in a handler)");
        }
    }

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

    /**
     * The bytes of a regular file, or empty when the path is not a regular file.
     *
     * @throws SourceException when the file has more than {@link #MAX_FILE_BYTES}
     */
    Optional<byte[]> read(String path);

    /** The bytes of a regular file of at most {@code limit} bytes; empty for a larger file or what is no file. */
    default Optional<byte[]> readAtMost(String path, long limit) {
        long size = size(path);
        return size < 0 || size > limit ? Optional.empty() : read(path);
    }

    /** The size in bytes of a regular file, without reading it; -1 when the path is not a regular file. */
    default long size(String path) {
        return read(path).map(bytes -> (long) bytes.length).orElse(-1L);
    }

    /** Names of the entries directly inside a directory, sorted; empty when it is not a directory. */
    List<String> list(String directory);

    /** The commit id, or the commit id with "+worktree" when files come from the working tree. */
    String revision();
}
