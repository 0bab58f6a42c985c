package dev.driftless.source;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.StatusCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.api.errors.JGitInternalException;
import org.eclipse.jgit.lib.Repository;

/**
 * The files of a working tree, under the folder of a Driftless repository, that differ from HEAD: edited,
 * staged, deleted or new (ignored files aside), as {@code git status} lists them. A command that reads the
 * commit ignores them, and says so.
 *
 * @param folder the folder of the Driftless repository on disk
 * @param files paths relative to {@code folder}, '/' between names, sorted
 */
public record UncommittedFiles(Path folder, List<Entry> files) {

    /** How a file differs from HEAD. */
    public enum State {
        MODIFIED("modified"), ADDED("added"), DELETED("deleted"), UNTRACKED("untracked"), CONFLICTING("conflict");

        private final String word;

        State(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }
    }

    /** One file and how it differs. */
    public record Entry(String path, State state) {
    }

    public UncommittedFiles {
        files = List.copyOf(files);
    }

    /** Nothing uncommitted: a bare repository, a fetched URL, or a clean working tree. */
    static UncommittedFiles none(Path folder) {
        return new UncommittedFiles(folder, List.of());
    }

    public boolean isEmpty() {
        return files.isEmpty();
    }

    /** What {@code git status} says of the files under {@code prefix} (a folder inside the working tree, or ""). */
    static UncommittedFiles of(Repository repository, String prefix) {
        Path folder = repository.getWorkTree().toPath().resolve(prefix).normalize();
        try {
            StatusCommand command = Git.wrap(repository).status();
            if (!prefix.isEmpty()) {
                command.addPath(prefix);
            }
            org.eclipse.jgit.api.Status status = command.call();
            // later states win: a file staged then edited again is modified, one added then deleted is deleted
            Map<String, State> states = new TreeMap<>();
            put(states, status.getAdded(), State.ADDED);
            put(states, status.getChanged(), State.MODIFIED);
            put(states, status.getModified(), State.MODIFIED);
            put(states, status.getRemoved(), State.DELETED);
            put(states, status.getMissing(), State.DELETED);
            put(states, status.getUntracked(), State.UNTRACKED);
            put(states, status.getConflicting(), State.CONFLICTING);
            String base = prefix.isEmpty() ? "" : prefix + "/";
            List<Entry> files = states.entrySet().stream().filter(e -> e.getKey().startsWith(base))
                    .map(e -> new Entry(e.getKey().substring(base.length()), e.getValue())).toList();
            return new UncommittedFiles(folder, files);
        } catch (GitAPIException | JGitInternalException e) {
            throw new SourceException("cannot read the status of the working tree " + folder + ": " + e.getMessage(), e);
        }
    }

    private static void put(Map<String, State> states, Set<String> paths, State state) {
        paths.forEach(path -> states.put(path, state));
    }
}
