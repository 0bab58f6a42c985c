package dev.driftless.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * Finds the folder of a Driftless repository in a working tree as git finds {@code .git}: the folder named, or
 * the nearest above it that holds driftless.yaml in what the command reads (the commit, or for --worktree the
 * files on disk), up to the top of the working tree. Running from {@code services/web} then reads the whole
 * repository instead of failing for want of a driftless.yaml there.
 */
final class DriftlessFolder {

    /** The loader's INVENTORY_FILE; named here again because the loader reads through this package. */
    private static final String INVENTORY = "driftless.yaml";

    private DriftlessFolder() {
    }

    /**
     * The prefix (a folder inside the working tree, "" for its top) of the nearest folder at or above {@code prefix}
     * that holds driftless.yaml. When none does and {@code prefix} is the top, the top: the loader then says that
     * driftless.yaml is missing, as for any repository. When none does below the top either, an error naming the
     * folders looked in.
     */
    static String nearest(Repository repository, RevCommit commit, String prefix, RepoSource.ReadFrom from)
            throws IOException {
        Path top = repository.getWorkTree().toPath().toAbsolutePath().normalize();
        List<String> looked = new ArrayList<>();
        for (String folder = prefix; folder != null; folder = parent(folder)) {
            if (holdsInventory(repository, commit, top, folder, from)) {
                return folder;
            }
            looked.add(folder);
        }
        if (looked.size() == 1) {
            return prefix;
        }
        throw new SourceException(missing(top, commit, looked, from));
    }

    private static boolean holdsInventory(Repository repository, RevCommit commit, Path top, String folder,
            RepoSource.ReadFrom from) throws IOException {
        String path = folder.isEmpty() ? INVENTORY : folder + "/" + INVENTORY;
        if (from == RepoSource.ReadFrom.WORKTREE) {
            return Files.exists(top.resolve(path), LinkOption.NOFOLLOW_LINKS);
        }
        try (TreeWalk walk = TreeWalk.forPath(repository, path, commit.getTree())) {
            return walk != null;
        }
    }

    private static String missing(Path top, RevCommit commit, List<String> looked, RepoSource.ReadFrom from) {
        List<String> folders = looked.stream().map(f -> top.resolve(f).toString()).toList();
        String message = "no " + INVENTORY + " in " + folders.get(0) + " or any folder above it up to the top of its Git"
                + " repository" + (from == RepoSource.ReadFrom.COMMIT ? " in commit " + commit.getName().substring(0, 12)
                : "") + " (looked in " + String.join(", ", folders) + "): run driftless in the folder that holds "
                + INVENTORY + ", or give --repo DIR";
        if (from == RepoSource.ReadFrom.COMMIT) {
            // the most likely reason on a first try: the file is there, but was never committed
            for (String folder : folders) {
                Path file = Path.of(folder, INVENTORY);
                if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    return message + ". " + file + " is not committed: commit it (Driftless reads the desired state"
                            + " from a commit), or try the uncommitted files with 'driftless plan --worktree'";
                }
            }
        }
        return message;
    }

    /** The folder above {@code folder}; null above the top. */
    private static String parent(String folder) {
        if (folder.isEmpty()) {
            return null;
        }
        int slash = folder.lastIndexOf('/');
        return slash < 0 ? "" : folder.substring(0, slash);
    }
}
