package dev.driftless.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The uncommitted files of a working tree, for `plan --worktree`: reviewing an edit before committing it.
 * As in a commit, nothing outside the root is ever read: a path must be a tree path, and a path with a
 * symbolic link in any of its folders is a link (a folder linked to /etc must not bring /etc in).
 */
final class WorktreeTree implements RepoTree {

    private final Path root;
    private final String revision;

    WorktreeTree(Path root, String baseRevision) {
        this.root = root;
        this.revision = baseRevision + "+worktree";
    }

    @Override
    public EntryType type(String path) {
        if (path.isEmpty()) {
            return EntryType.DIRECTORY;
        }
        if (!RepoTree.isTreePath(path)) {
            return EntryType.MISSING;
        }
        Path file = root;
        for (String name : path.split("/")) {
            file = file.resolve(name);
            if (Files.isSymbolicLink(file)) {
                return EntryType.SYMLINK;
            }
        }
        if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
            return EntryType.DIRECTORY;
        }
        if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return EntryType.FILE;
        }
        return EntryType.MISSING;
    }

    @Override
    public Optional<byte[]> read(String path) {
        if (type(path) != EntryType.FILE) {
            return Optional.empty();
        }
        try {
            Path file = root.resolve(path);
            RepoTree.checkSize(path, Files.size(file));
            return Optional.of(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    @Override
    public long size(String path) {
        if (type(path) != EntryType.FILE) {
            return -1;
        }
        try {
            return Files.size(root.resolve(path));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    @Override
    public List<String> list(String directory) {
        if (type(directory) != EntryType.DIRECTORY) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory.isEmpty() ? root : root.resolve(directory))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> !n.equals(".git")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + directory, e);
        }
    }

    @Override
    public String revision() {
        return revision;
    }
}
