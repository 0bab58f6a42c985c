package dev.driftless.host;

import dev.driftless.model.Ownership;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A machine Driftless reads and changes. Paths are the absolute paths of the repository; an
 * implementation maps them under its root. Writes are atomic; links are never followed.
 */
public interface Host extends AutoCloseable {

    /** What a {@link #remove} did. */
    enum Removal { REMOVED, ALREADY_GONE, KEPT_NOT_EMPTY }

    /** Names of users and groups, as resources name their owner and group. */
    record Accounts(Set<String> users, Set<String> groups) {

        public static final Accounts NONE = new Accounts(Set.of(), Set.of());

        public Accounts {
            users = Set.copyOf(users);
            groups = Set.copyOf(groups);
        }

        public boolean isEmpty() {
            return users.isEmpty() && groups.isEmpty();
        }
    }

    /** The inventory name. */
    String name();

    /** Whether every command costs a round trip (over SSH), so reads are worth gathering into one. */
    default boolean remote() {
        return false;
    }

    /** The folder on the host under which repository paths land ("/" without a root), for handlers. */
    String root();

    /** How it is reached and where its root is, for headers and messages. */
    String describe();

    /**
     * The live state of many paths at once (one round trip on a remote host). A file whose stat equals
     * the one in {@code known} is reported with the known digest, without reading it.
     */
    Map<String, LiveEntry> inspect(Collection<String> paths, Map<String, LiveEntry.Known> known);

    default Map<String, LiveEntry> inspect(Collection<String> paths) {
        return inspect(paths, Map.of());
    }

    /** Which of these users and groups the host does not have (one round trip on a remote host). */
    Accounts missing(Accounts named);

    /**
     * The content of a regular file, for diffs and the state; empty, and not read, when it holds more
     * than {@code limit} bytes. A link there is not followed.
     */
    Optional<byte[]> read(String path, long limit);

    /** The contents of many regular files, each as {@link #read} reads it; one round trip on a remote host. */
    default Map<String, Optional<byte[]>> readAll(Collection<String> paths, long limit) {
        Map<String, Optional<byte[]>> contents = new java.util.LinkedHashMap<>();
        for (String path : paths) {
            contents.put(path, read(path, limit));
        }
        return contents;
    }

    /**
     * The content of a regular file, or empty when nothing is there (nor in its folder); one round trip. A file of
     * more than {@code limit} bytes, a link or anything but a regular file there is a HostException.
     */
    Optional<byte[]> readIfPresent(String path, long limit);

    /**
     * Replaces the file at {@code path} atomically: a temporary file in the same directory, flushed,
     * with mode and owner set, then renamed over the destination (a link there is replaced, not followed).
     * Missing parent directories are created.
     */
    void writeFile(String path, byte[] content, Ownership ownership);

    /** Creates the directory (and its parents) if missing, then sets the attributes it manages. */
    void makeDirectory(String path, Ownership ownership);

    /** Points a symbolic link at {@code target}, replacing whatever link or file is there atomically. */
    void symlink(String path, String target);

    /** One path a {@linkplain #write batch of writes} creates or replaces. */
    sealed interface Write {
        String path();
    }

    /** A file, as {@link #writeFile} writes it. */
    record FileWrite(String path, byte[] content, Ownership ownership) implements Write {
    }

    /** A directory, as {@link #makeDirectory} makes it. */
    record DirectoryWrite(String path, Ownership ownership) implements Write {
    }

    /** A symbolic link, as {@link #symlink} points it. */
    record LinkWrite(String path, String target) implements Write {
    }

    /** A file, link or empty directory removed, as {@link #remove} removes it. */
    record Deletion(String path) implements Write {
    }

    /**
     * How a batch went: the writes done (their indexes), what each deletion done found, and the first that failed, if one did, with why. A
     * failure stops the batch: nothing after it is done, unless it was done before the failure came (a host that
     * writes the files of a batch in two passes makes its directories and links in the first).
     */
    record Written(Set<Integer> done, Map<Integer, Removal> removals, Optional<Failed> failed) {
        public Written {
            done = Set.copyOf(done);
            removals = Map.copyOf(removals);
        }
    }

    /** The write at {@code index} failed. */
    record Failed(int index, HostException error) {
    }

    /**
     * Makes these writes in order, each as the method of its kind would, every file still atomic. A remote host
     * does the whole batch in one round trip; this default, one write at a time.
     */
    default Written write(List<Write> writes) {
        Set<Integer> done = new java.util.LinkedHashSet<>();
        Map<Integer, Removal> removals = new java.util.HashMap<>();
        for (int i = 0; i < writes.size(); i++) {
            try {
                Write write = writes.get(i);
                if (write instanceof Deletion d) {
                    removals.put(i, remove(d.path()));
                } else if (write instanceof FileWrite f) {
                    writeFile(f.path(), f.content(), f.ownership());
                } else if (write instanceof DirectoryWrite d) {
                    makeDirectory(d.path(), d.ownership());
                } else if (write instanceof LinkWrite l) {
                    symlink(l.path(), l.target());
                }
            } catch (HostException e) {
                return new Written(done, removals, Optional.of(new Failed(i, e)));
            }
            done.add(i);
        }
        return new Written(done, removals, Optional.empty());
    }

    /**
     * Removes the temporary files an interrupted write left in these directories (named
     * {@code .NAME.driftless-tmp}); returns how many.
     */
    int removeLeftovers(Collection<String> directories);

    /** Removes a file, a link, or an empty directory. */
    Removal remove(String path);

    /** Runs a shell command on the host with extra environment variables. */
    CommandResult run(String command, Map<String, String> environment, Duration timeout);

    /**
     * Runs a shell command as {@link #run(String, Map, Duration)} does, with {@code input} on its standard input
     * (then its end): how a command gets bytes, such as a login, that its command line and environment would show to
     * anyone who lists the host's processes.
     */
    CommandResult run(String command, Map<String, String> environment, byte[] input, Duration timeout);

    /** A long-running command whose output is being followed; closing it ends the command. */
    interface Following extends AutoCloseable {

        /**
         * Waits until the command has ended (by itself, by {@link #close}, or with the connection) and its last
         * line was handed on; its exit status, -1 when it has none (a lost connection).
         */
        int awaitEnd() throws InterruptedException;

        @Override
        void close();
    }

    /**
     * Starts a long-running command that only reads (an event stream) and hands each line of its output, standard
     * error included, to {@code line} as it comes, on a thread of the host's (so {@code line} must not block); a line
     * longer than 64 KiB is cut there. The command should {@code exec} what runs long: closing ends the command the
     * shell runs, not what that one started in the background.
     *
     * @throws HostException when the command cannot be started (on a remote host: the connection failed)
     */
    Following follow(String command, Consumer<String> line);

    /**
     * A TCP connection to {@code target:port} as the host itself would open it: 127.0.0.1 is the host's own
     * loopback. A local host connects directly; a remote one forwards the connection through its SSH session,
     * so the host needs nothing installed. Closing the socket closes the connection.
     *
     * @throws IOException when the host cannot open it (a {@link java.net.ConnectException} when refused), within
     *                     {@code timeout}
     */
    Socket connect(String target, int port, Duration timeout) throws IOException;

    /**
     * Takes the host's apply lock, waiting up to {@code timeout} for another apply to finish; calls
     * {@code onWait} once with a message when it has to wait.
     */
    AutoCloseable lock(Duration timeout, Consumer<String> onWait);

    /** A lock held, and what was read under it. */
    interface Locked extends AutoCloseable {

        /** The file read under the lock, as {@link #readIfPresent} gives it. */
        Optional<byte[]> read();

        @Override
        void close();

        /** {@code lock} held, with {@code content} read under it; closing lets go of the lock, whatever it throws. */
        static Locked of(AutoCloseable lock, Optional<byte[]> content) {
            return new Locked() {
                @Override
                public Optional<byte[]> read() {
                    return content;
                }

                @Override
                public void close() {
                    release(lock);
                }
            };
        }
    }

    /**
     * Takes the lock as {@link #lock} does and then reads {@code path} as {@link #readIfPresent} does: on a remote
     * host in the same round trip.
     */
    default Locked lockAndRead(Duration timeout, Consumer<String> onWait, String path, long limit) {
        AutoCloseable lock = lock(timeout, onWait);
        Optional<byte[]> content;
        try {
            content = readIfPresent(path, limit);
        } catch (RuntimeException e) {
            release(lock);
            throw e;
        }
        return Locked.of(lock, content);
    }

    /** Lets go of {@code lock}; one that cannot be let go of goes with the process or the connection anyway. */
    static void release(AutoCloseable lock) {
        try {
            lock.close();
        } catch (Exception e) {
            // the lock goes with the process or the connection anyway
        }
    }

    /** What {@link #inspectAndRun} found: the paths' live state and the command's result. */
    record Inspection(Map<String, LiveEntry> live, CommandResult ran) {
    }

    /**
     * {@link #inspect} and {@link #run} of a command that only reads (with {@code LC_ALL=C}), on a remote host in
     * the same round trip.
     */
    default Inspection inspectAndRun(Collection<String> paths, Map<String, LiveEntry.Known> known, String command,
            Duration timeout) {
        Map<String, LiveEntry> live = inspect(paths, known);
        return new Inspection(live, run(command, Map.of("LC_ALL", "C"), timeout));
    }

    @Override
    void close();
}
