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
import org.eclipse.jgit.lib.ObjectLoader;
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

    private final RevCommit commit;
    private final String prefix;
    private boolean indexed;

    /**
     * Blobs read, by id, while they fit in {@link #CACHED_BYTES}: validating a repository reads every file (the
     * committed-key search) and rendering reads most of them again, each a file open and an inflate when the
     * objects are loose, as a fresh commit's are.
     */
    private static final long CACHED_BYTES = 16L << 20;
    private final Map<ObjectId, byte[]> blobs = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong cached = new java.util.concurrent.atomic.AtomicLong();

    CommitTree(Repository repository, RevCommit commit, String prefix) throws IOException {
        this.repository = repository;
        this.revision = commit.getName();
        this.commit = commit;
        this.prefix = prefix;
        if (!prefix.isEmpty() && TreeWalk.forPath(repository, prefix, commit.getTree()) == null) {
            throw new SourceException("the folder '" + prefix + "' does not exist in commit " + revision);
        }
    }

    /** Walks the whole tree once, on the first listing: reading one file needs no walk at all. */
    private void index() {
        if (indexed) {
            return;
        }
        indexed = true;
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
                entries.put(path, new Entry(walk.getFileMode(0), walk.getObjectId(0)));
                int slash = path.lastIndexOf('/');
                String parent = slash < 0 ? "" : path.substring(0, slash);
                sorted.computeIfAbsent(parent, k -> new ArrayList<>()).add(path.substring(slash + 1));
                if (walk.isSubtree()) {
                    walk.enterSubtree();
                }
            }
            sorted.forEach((dir, names) -> children.put(dir, names.stream().sorted().toList()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the tree of commit " + revision, e);
        }
    }

    private Entry entry(String path) {
        if (indexed) {
            return entries.get(path);
        }
        try (TreeWalk walk = TreeWalk.forPath(repository, prefix.isEmpty() ? path : prefix + "/" + path,
                commit.getTree())) {
            return walk == null ? null : new Entry(walk.getFileMode(0), walk.getObjectId(0));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + " from commit " + revision, e);
        }
    }

    @Override
    public EntryType type(String path) {
        if (path.isEmpty()) {
            return EntryType.DIRECTORY;
        }
        if (!RepoTree.isTreePath(path)) {
            return EntryType.MISSING;
        }
        Entry entry = entry(path);
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
        return readAtMost(path, Long.MAX_VALUE);
    }

    /** One object read for the size and the bytes; a blob read before comes from memory (a copy). */
    @Override
    public Optional<byte[]> readAtMost(String path, long limit) {
        if (type(path) != EntryType.FILE) {
            return Optional.empty();
        }
        ObjectId id = entry(path).id();
        byte[] known = blobs.get(id);
        if (known != null) {
            return known.length > limit ? Optional.empty() : Optional.of(known.clone());
        }
        try (ObjectReader reader = repository.newObjectReader()) {
            ObjectLoader blob = reader.open(id);
            if (blob.getSize() > limit) {
                return Optional.empty();
            }
            RepoTree.checkSize(path, blob.getSize());
            // getBytes() alone refuses anything above JGit's stream threshold (50 MiB) with a bare object id
            byte[] bytes = blob.getBytes((int) MAX_FILE_BYTES);
            if (cached.addAndGet(bytes.length) <= CACHED_BYTES) {
                blobs.put(id, bytes.clone());
            } else {
                cached.addAndGet(-bytes.length);
            }
            return Optional.of(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + " from commit " + revision, e);
        }
    }

    @Override
    public long size(String path) {
        if (type(path) != EntryType.FILE) {
            return -1;
        }
        try (ObjectReader reader = repository.newObjectReader()) {
            return reader.getObjectSize(entry(path).id(), ObjectReader.OBJ_ANY);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + " from commit " + revision, e);
        }
    }

    @Override
    public List<String> list(String directory) {
        index();
        return children.getOrDefault(directory, List.of());
    }

    @Override
    public String revision() {
        return revision;
    }
}
