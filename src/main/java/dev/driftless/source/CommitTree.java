package dev.driftless.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.PathFilter;

/** A repository read from a commit's tree with JGit; uncommitted files are never seen. */
final class CommitTree implements RepoTree {

    private record Entry(FileMode mode, ObjectId id) {
    }

    private final Repository repository;
    private final String revision;
    private final Map<String, Entry> entries = new HashMap<>();
    private final Map<String, List<String>> children = new HashMap<>();

    CommitTree(Repository repository, RevCommit commit, String prefix) throws IOException {
        this.repository = repository;
        this.revision = commit.getName();
        String base = prefix.isEmpty() ? "" : prefix + "/";
        try (TreeWalk walk = new TreeWalk(repository)) {
            walk.addTree(commit.getTree());
            walk.setRecursive(false);
            if (!prefix.isEmpty()) {
                walk.setFilter(PathFilter.create(prefix));
            }
            Map<String, List<String>> sorted = new TreeMap<>();
            while (walk.next()) {
                String full = walk.getPathString();
                if (!base.isEmpty() && !full.startsWith(base)) {
                    // an ancestor of the prefix (or the prefix itself): walk into it, record nothing
                    if (walk.isSubtree() && (prefix.equals(full) || prefix.startsWith(full + "/"))) {
                        walk.enterSubtree();
                    }
                    continue;
                }
                String path = full.substring(base.length());
                FileMode mode = walk.getFileMode(0);
                entries.put(path, new Entry(mode, walk.getObjectId(0)));
                int slash = path.lastIndexOf('/');
                String parent = slash < 0 ? "" : path.substring(0, slash);
                sorted.computeIfAbsent(parent, k -> new ArrayList<>()).add(path.substring(slash + 1));
                if (walk.isSubtree()) {
                    walk.enterSubtree();
                }
            }
            sorted.forEach((dir, names) -> children.put(dir, names.stream().sorted().toList()));
        }
        if (!prefix.isEmpty() && entries.isEmpty()) {
            throw new SourceException("the folder '" + prefix + "' does not exist in commit " + revision);
        }
    }

    @Override
    public EntryType type(String path) {
        if (path.isEmpty()) {
            return EntryType.DIRECTORY;
        }
        Entry entry = entries.get(path);
        if (entry == null) {
            return EntryType.MISSING;
        }
        if (entry.mode() == FileMode.TREE) {
            return EntryType.DIRECTORY;
        }
        if (entry.mode() == FileMode.SYMLINK) {
            return EntryType.SYMLINK;
        }
        if (entry.mode() == FileMode.GITLINK) {
            return EntryType.MISSING;
        }
        return EntryType.FILE;
    }

    @Override
    public Optional<byte[]> read(String path) {
        if (type(path) != EntryType.FILE) {
            return Optional.empty();
        }
        try (ObjectReader reader = repository.newObjectReader()) {
            return Optional.of(reader.open(entries.get(path).id()).getBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + " from commit " + revision, e);
        }
    }

    @Override
    public List<String> list(String directory) {
        return children.getOrDefault(directory, List.of());
    }

    @Override
    public String revision() {
        return revision;
    }
}
