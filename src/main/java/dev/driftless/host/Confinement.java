package dev.driftless.host;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Keeps a local host's paths inside its root: a directory is resolved as the kernel would (every
 * symbolic link followed, missing components taken as named) and must land at or below the root's own
 * resolution. Links inside the root are fine (Debian's /lib -> usr/lib); one that leads outside refuses
 * every path below it.
 */
final class Confinement {

    /** As the kernel: more links than this in one resolution is a loop. */
    private static final int MAX_LINKS = 40;

    private final Path root;

    /** @param root absolute and normalized */
    Confinement(Path root) {
        this.root = root;
    }

    /** Where a directory under the root really is, or why it may not be used. */
    sealed interface Place {
    }

    /** Inside the root, at {@code real} (what exists of it resolved, the rest as named). */
    record Inside(Path real) implements Place {
    }

    /** Outside: {@code link} (a repository path) is a symbolic link that leads to {@code target}. */
    record Outside(String link, Path target) implements Place {
    }

    /** The root as the kernel resolves it now; resolve it once per batch of operations. */
    Path realRoot() throws IOException {
        return real(root, 0);
    }

    /** Where {@code dir}, a path at or below the root, resolves, measured against {@code realRoot}. */
    Place place(Path dir, Path realRoot) throws IOException {
        Path real = real(dir, 0);
        if (real.startsWith(realRoot)) {
            return new Inside(real);
        }
        // find the first component that leaves: that is the link to name
        Path prefix = root;
        for (Path name : root.relativize(dir)) {
            prefix = prefix.resolve(name);
            Path target = real(prefix, 0);
            if (!target.startsWith(realRoot)) {
                return new Outside("/" + root.relativize(prefix), target);
            }
        }
        return new Outside("/" + root.relativize(dir), real);
    }

    /** {@code path}, refused because of {@code outside}. */
    LiveEntry.Refused refusal(String path, Outside outside) {
        return new LiveEntry.Refused(path, outside.link(), outside.target().toString(), root.toString());
    }

    /**
     * realpath -m: the deepest existing ancestor resolved by the kernel, then each missing component
     * appended, a dangling link among them followed by its target.
     */
    private static Path real(Path path, int links) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        Path existing = path;
        Path resolved;
        while (true) {
            try {
                resolved = existing.toRealPath();
                break;
            } catch (NoSuchFileException e) {
                // missing, or below a dangling link: look one level up
            } catch (FileSystemException e) {
                if (e.getReason() == null || !e.getReason().contains("Not a directory")) {
                    throw e;
                }
            }
            if (existing.getParent() == null) {
                resolved = existing;
                break;
            }
            missing.push(existing.getFileName());
            existing = existing.getParent();
        }
        while (!missing.isEmpty()) {
            Path next = resolved.resolve(missing.pop());
            if (Files.isSymbolicLink(next)) {
                if (links >= MAX_LINKS) {
                    throw new FileSystemException(path.toString(), null, "Too many levels of symbolic links");
                }
                Path target = resolved.resolve(Files.readSymbolicLink(next)).normalize();
                next = real(target, links + 1);
            }
            resolved = next;
        }
        return resolved;
    }
}
