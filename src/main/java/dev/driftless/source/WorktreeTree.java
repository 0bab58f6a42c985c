package dev.driftless.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** The uncommitted files of a working tree, for `plan --worktree`: reviewing an edit before committing it. */
final class WorktreeTree implements RepoTree {

    private final Path root;
    private final String revision;

    WorktreeTree(Path root, String baseRevision) {
        this.root = root;
        this.revision = baseRevision + "+worktree";
    }

    private Path resolve(String path) {
        return path.isEmpty() ? root : root.resolve(path);
    }

    @Override
    public EntryType type(String path) {
        Path file = resolve(path);
        if (Files.isSymbolicLink(file)) {
            return EntryType.SYMLINK;
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
            return Optional.of(Files.readAllBytes(resolve(path)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    @Override
    public List<String> list(String directory) {
        if (type(directory) != EntryType.DIRECTORY) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(resolve(directory))) {
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
