package dev.driftless.host;

import dev.driftless.model.Ownership;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/** The machine Driftless runs on, optionally with every path placed under a root folder. */
public final class LocalHost implements Host {

    public static final String TEMP_SUFFIX = ".driftless-tmp";
    private static final int DEFAULT_FILE_MODE = 0644;
    private static final int DEFAULT_DIRECTORY_MODE = 0755;
    private static final Path LOCK_FILE = Path.of("var/lib/driftless/lock");
    // what a reading (inspectAndRun) may print: an engine's inspect takes several KiB a container
    private static final int WHOLE_OUTPUT_LIMIT = 64 << 20;
    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private final String name;
    private final Optional<Path> root;
    private final Optional<Confinement> confinement;
    private final Map<Integer, String> userNames = new ConcurrentHashMap<>();
    private final Map<Integer, String> groupNames = new ConcurrentHashMap<>();

    private final java.time.Clock clock;

    public LocalHost(String name, Optional<Path> root) {
        this(name, root, java.time.Clock.systemUTC());
    }

    /** With the clock that decides whether a file changed too recently for its stat to be trusted. */
    public LocalHost(String name, Optional<Path> root, java.time.Clock clock) {
        this.name = name;
        this.root = root.map(r -> r.toAbsolutePath().normalize());
        this.confinement = this.root.map(Confinement::new);
        this.clock = clock;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String root() {
        return root.map(Path::toString).orElse("/");
    }

    @Override
    public String describe() {
        return root.map(r -> "local, root " + r).orElse("local");
    }

    /** Where a repository path lands on this machine. */
    public Path resolve(String path) {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("not an absolute path: " + path);
        }
        return root.map(r -> r.resolve(path.substring(1))).orElse(Path.of(path));
    }

    /**
     * Places repository paths on this machine for one batch of operations: each parent directory is
     * resolved by the kernel once and must lie inside the root, so that no symbolic link on the host
     * leads a read, write or removal outside it. Without a root nothing is outside.
     */
    private final class Placement {

        private final Path realRoot;
        private final Map<Path, Confinement.Place> places = new ConcurrentHashMap<>();

        Placement() {
            try {
                realRoot = confinement.isPresent() ? confinement.get().realRoot() : null;
            } catch (IOException e) {
                throw new HostException(name + ": cannot resolve the root " + root() + ": " + reason(e), e);
            }
        }

        /** Where {@code path} lands: in its parent as the kernel resolves it. */
        Path file(String path, String verb) {
            return orRefuse(placeFile(path), verb);
        }

        /** Where the directory {@code path} itself lands. */
        /** The same as {@link #file}, a refusal as a value. */
        Placed placeFile(String path) {
            Path file = resolve(path);
            if (file.getParent() == null || file.equals(root.orElse(null))) {
                return new Placed(file, null);
            }
            Placed parent = placeDirectory(path, file.getParent());
            return parent.refusal() != null ? parent : new Placed(parent.path().resolve(file.getFileName()), null);
        }

        Placed placeDirectory(String path, Path dir) {
            if (confinement.isEmpty()) {
                return new Placed(dir, null);
            }
            Confinement.Place place = places.computeIfAbsent(dir, d -> {
                try {
                    return confinement.get().place(d, realRoot);
                } catch (IOException e) {
                    throw new HostException(name + ": cannot resolve " + path + ": " + reason(e), e);
                }
            });
            if (place instanceof Confinement.Outside outside) {
                return new Placed(null, confinement.get().refusal(path, outside));
            }
            return new Placed(((Confinement.Inside) place).real(), null);
        }

        private Path orRefuse(Placed placed, String verb) {
            if (placed.refusal() != null) {
                throw new HostException(name + ": " + placed.refusal().reason(verb));
            }
            return placed.path();
        }
    }

    /** Where a repository path is on this machine, or (path null) why Driftless refuses it. */
    private record Placed(Path path, LiveEntry.Refused refusal) {
    }

    @Override
    public Map<String, LiveEntry> inspect(Collection<String> paths, Map<String, LiveEntry.Known> known) {
        Map<String, LiveEntry> result = new ConcurrentHashMap<>();
        List<String> distinct = paths.stream().distinct().toList();
        // hashing dominates: spread it over the cores
        long now = clock.millis();
        Placement placement = new Placement();
        distinct.parallelStream().forEach(path -> result.put(path, inspectOne(placement, path, known.get(path), now)));
        Map<String, LiveEntry> ordered = new LinkedHashMap<>();
        distinct.forEach(p -> ordered.put(p, result.get(p)));
        return ordered;
    }

    /** How long after a change a file's stat is trusted to identify its content. */
    private static final long SETTLED_MILLIS = 2_000;

    private LiveEntry inspectOne(Placement placement, String path, LiveEntry.Known known, long now) {
        Placed placed = placement.placeFile(path);
        if (placed.refusal() != null) {
            return placed.refusal();
        }
        Path file = placed.path();
        try {
            Map<String, Object> attributes =
                    Files.readAttributes(file, "unix:mode,uid,gid,size,dev,ino,lastModifiedTime,ctime", LinkOption.NOFOLLOW_LINKS);
            int rawMode = (Integer) attributes.get("mode");
            int mode = rawMode & 07777;
            String owner = ownerName(file, (Integer) attributes.get("uid"));
            String group = groupName(file, (Integer) attributes.get("gid"));
            int type = rawMode & 0170000;
            if (type == 0100000) {
                long size = (Long) attributes.get("size");
                String stat = stat(attributes, size, now);
                String sha256 = known != null && stat != null && stat.equals(known.stat()) ? known.sha256() : sha256(file);
                return new LiveEntry.File(sha256, size, mode, owner, group, stat);
            }
            if (type == 0040000) {
                return new LiveEntry.Directory(mode, owner, group);
            }
            if (type == 0120000) {
                return new LiveEntry.Symlink(Files.readSymbolicLink(file).toString());
            }
            return new LiveEntry.Other(type == 0010000 ? "fifo" : type == 0140000 ? "socket" : "device");
        } catch (NoSuchFileException e) {
            return new LiveEntry.Missing();
        } catch (FileSystemException e) {
            if (e.getReason() != null && e.getReason().contains("Not a directory")) {
                return new LiveEntry.Missing(); // a parent is a file: nothing can be at this path
            }
            throw new HostException(name + ": cannot inspect " + path + ": " + reason(e), e);
        } catch (IOException e) {
            throw new HostException(name + ": cannot inspect " + path + ": " + reason(e), e);
        }
    }

    private static String stat(Map<String, Object> attributes, long size, long now) {
        java.nio.file.attribute.FileTime modified = (java.nio.file.attribute.FileTime) attributes.get("lastModifiedTime");
        java.nio.file.attribute.FileTime changed = (java.nio.file.attribute.FileTime) attributes.get("ctime");
        if (now - Math.max(modified.toMillis(), changed.toMillis()) < SETTLED_MILLIS) {
            return null;
        }
        return attributes.get("dev") + ":" + attributes.get("ino") + ":" + size + ":"
                + modified.to(java.util.concurrent.TimeUnit.NANOSECONDS) + ":"
                + changed.to(java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** Names by id, looked up once: a user database lookup per file would cost more than the stat. */
    private String ownerName(Path file, int uid) throws IOException {
        String name = userNames.get(uid);
        if (name == null) {
            name = Files.getOwner(file, LinkOption.NOFOLLOW_LINKS).getName();
            userNames.put(uid, name);
        }
        return name;
    }

    private String groupName(Path file, int gid) throws IOException {
        String name = groupNames.get(gid);
        if (name == null) {
            name = Files.readAttributes(file, java.nio.file.attribute.PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .group().getName();
            groupNames.put(gid, name);
        }
        return name;
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest digest = newDigest();
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    public static String sha256(byte[] content) {
        return HexFormat.of().formatHex(newDigest().digest(content));
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Optional<byte[]> read(String path, long limit) {
        Path file = new Placement().file(path, "reads");
        try (SeekableByteChannel channel = Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = channel.size();
            if (size > limit) {
                return Optional.empty();
            }
            ByteBuffer content = ByteBuffer.allocate((int) size);
            while (content.hasRemaining() && channel.read(content) >= 0) {
                // until full, or the end if it shrank meanwhile
            }
            return Optional.of(Arrays.copyOf(content.array(), content.position()));
        } catch (IOException e) {
            throw new HostException(name + ": cannot read " + path + ": " + reason(e), e);
        }
    }

    @Override
    public Optional<byte[]> readIfPresent(String path, long limit) {
        Path file = new Placement().file(path, "reads");
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new HostException(name + ": cannot read " + path + ": " + (Files.isSymbolicLink(file)
                    ? "it is a symbolic link" : "it is not a regular file"));
        }
        return Optional.of(read(path, limit).orElseThrow(() -> new HostException(name + ": " + path + " holds more than "
                + limit + " bytes")));
    }

    @Override
    public Accounts missing(Accounts named) {
        UserPrincipalLookupService lookup = java.nio.file.FileSystems.getDefault().getUserPrincipalLookupService();
        Set<String> users = new java.util.TreeSet<>();
        Set<String> groups = new java.util.TreeSet<>();
        for (String user : named.users()) {
            try {
                lookup.lookupPrincipalByName(user);
            } catch (java.nio.file.attribute.UserPrincipalNotFoundException e) {
                users.add(user);
            } catch (IOException e) {
                throw new HostException(name + ": cannot look up user '" + user + "': " + reason(e), e);
            }
        }
        for (String group : named.groups()) {
            try {
                lookup.lookupPrincipalByGroupName(group);
            } catch (java.nio.file.attribute.UserPrincipalNotFoundException e) {
                groups.add(group);
            } catch (IOException e) {
                throw new HostException(name + ": cannot look up group '" + group + "': " + reason(e), e);
            }
        }
        return new Accounts(users, groups);
    }

    @Override
    public void writeFile(String path, byte[] content, Ownership ownership) {
        replace(path, "file", (temp, target) -> {
            // what it replaces, if a regular file: a link's own mode (0777) must not become the file's
            Optional<Map<String, Object>> existing = existingAttributes(target)
                    .filter(a -> ((Integer) a.get("mode") & 0170000) == 0100000);
            // nobody but its owner may read it until it is complete: created 0600 (O_CREAT|O_EXCL with the
            // mode, never the umask's wider default), given its owner before the first byte, and only
            // then, complete and synced, given its final mode (the owner again: chown clears set-id bits)
            try (FileChannel channel = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), PRIVATE)) {
                setOwnership(temp, ownership, existing);
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            int mode = ownership.mode().orElseGet(() -> existing.map(a -> (Integer) a.get("mode") & 07777)
                    .orElse(DEFAULT_FILE_MODE));
            Files.setAttribute(temp, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
        });
    }

    /** Prepares the new version of a path in its temporary sibling. */
    @FunctionalInterface
    private interface Preparation {
        void into(Path temp, Path target) throws IOException;
    }

    /**
     * Puts a new version of {@code path} in place atomically: prepared complete (content, mode, owner)
     * as a temporary file in the same directory, then renamed over the old one, which rename(2)
     * replaces even when it is a link, never following it.
     */
    private void replace(String path, String kind, Preparation prepare) {
        Path target = new Placement().file(path, "writes");
        Path temp = target.resolveSibling("." + target.getFileName() + TEMP_SUFFIX);
        try {
            if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new HostException(name + ": " + path + " is a directory on the host, where the repository"
                        + " wants a " + kind + "; move it away by hand, then apply again");
            }
            createParents(target);
            Files.deleteIfExists(temp); // a leftover of an interrupted apply
            prepare.into(temp, target);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDirectory(target.getParent());
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new HostException(name + ": cannot write " + path + ": " + reason(e)
                    + "; what was there is unchanged", e);
        } catch (RuntimeException e) {
            deleteQuietly(temp);
            throw e;
        }
    }

    @Override
    public void makeDirectory(String path, Ownership ownership) {
        Path dir = new Placement().file(path, "writes");
        try {
            if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new HostException(name + ": " + path + " exists on the host and is not a directory;"
                        + " move it away by hand, then apply again");
            }
            Optional<Map<String, Object>> existing = existingAttributes(dir);
            if (existing.isEmpty()) {
                createParents(dir);
                Files.createDirectory(dir);
            }
            int mode = ownership.mode().orElseGet(() -> existing.map(a -> (Integer) a.get("mode") & 07777)
                    .orElse(DEFAULT_DIRECTORY_MODE));
            Files.setAttribute(dir, "unix:mode", mode);
            setOwnership(dir, ownership, Optional.empty());
        } catch (IOException e) {
            throw new HostException(name + ": cannot create directory " + path + ": " + reason(e), e);
        }
    }

    @Override
    public void symlink(String path, String target) {
        replace(path, "symbolic link", (temp, at) -> Files.createSymbolicLink(temp, Path.of(target)));
    }

    @Override
    public int removeLeftovers(Collection<String> directories) {
        int removed = 0;
        Placement placement = new Placement();
        for (String directory : new java.util.TreeSet<>(directories)) {
            Placed placed = placement.placeDirectory(directory, resolve(directory));
            if (placed.refusal() != null) {
                continue; // nothing of ours can be there: every write below it is refused
            }
            Path dir = placed.path();
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try (java.nio.file.DirectoryStream<Path> leftovers = Files.newDirectoryStream(dir, ".*" + TEMP_SUFFIX)) {
                for (Path leftover : leftovers) {
                    if (Files.deleteIfExists(leftover)) {
                        removed++;
                    }
                }
            } catch (IOException e) {
                throw new HostException(name + ": cannot clean up temporary files in " + directory + ": " + reason(e), e);
            }
        }
        return removed;
    }

    @Override
    public Removal remove(String path) {
        Path file = new Placement().file(path, "deletes");
        try {
            boolean removed = Files.deleteIfExists(file);
            if (removed) {
                syncDirectory(file.getParent());
            }
            return removed ? Removal.REMOVED : Removal.ALREADY_GONE;
        } catch (DirectoryNotEmptyException e) {
            return Removal.KEPT_NOT_EMPTY;
        } catch (IOException e) {
            throw new HostException(name + ": cannot remove " + path + ": " + reason(e), e);
        }
    }

    @Override
    public CommandResult run(String command, Map<String, String> environment, Duration timeout) {
        return run(command, environment, new byte[0], timeout, LocalHost::readLimited);
    }

    @Override
    public CommandResult run(String command, Map<String, String> environment, byte[] input, Duration timeout) {
        return run(command, environment, input, timeout, LocalHost::readLimited);
    }

    /**
     * The reading's output whole, as {@link SshHost} gives it: it is parsed from its first line, and an engine's
     * {@code inspect} of a few dozen containers alone passes the 64 KiB that {@link #run} keeps of a command.
     */
    @Override
    public Inspection inspectAndRun(Collection<String> paths, Map<String, LiveEntry.Known> known, String command,
            Duration timeout) {
        return new Inspection(inspect(paths, known), run(command, Map.of("LC_ALL", "C"), new byte[0], timeout,
                LocalHost::readWhole));
    }

    /** How a command's output is kept. */
    private interface OutputReader {
        String read(InputStream in) throws IOException;
    }

    private CommandResult run(String command, Map<String, String> environment, byte[] input, Duration timeout,
            OutputReader kept) {
        ProcessBuilder builder = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        if (input.length == 0) {
            builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        try {
            Process process = builder.start();
            if (input.length > 0) {
                give(process, input);
            }
            ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "driftless-command-output");
                t.setDaemon(true);
                return t;
            });
            try {
                Future<String> output = reader.submit(() -> kept.read(process.getInputStream()));
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                    return new CommandResult(-1, outputOfKilled(output), true);
                }
                return new CommandResult(process.exitValue(), output.get(30, TimeUnit.SECONDS), false);
            } finally {
                reader.shutdownNow();
            }
        } catch (IOException e) {
            throw new HostException(name + ": cannot run '" + command + "': " + reason(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostException(name + ": interrupted while running '" + command + "'", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new HostException(name + ": cannot read the output of '" + command + "'", e);
        }
    }

    /**
     * What a command killed at its timeout wrote, or nothing when that cannot be had: a child it forked just as it
     * was killed (after its descendants were listed) may hold the output open until it ends by itself. The command
     * timed out either way; that is what its caller must hear, not that its output could not be read.
     */
    private static String outputOfKilled(Future<String> output) throws InterruptedException {
        try {
            return output.get(5, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return "";
        }
    }

    @Override
    public Following follow(String command, Consumer<String> line) {
        ProcessBuilder builder = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true);
        builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new HostException(name + ": cannot run '" + command + "': " + reason(e), e);
        }
        FollowedLines lines = new FollowedLines(line);
        Thread reader = new Thread(() -> {
            try (InputStream in = process.getInputStream(); lines) {
                in.transferTo(lines);
            } catch (IOException e) {
                // the process was ended and its output closed under the reader: what it printed was handed on
            }
        }, "driftless-follow-" + name);
        reader.setDaemon(true);
        reader.start();
        return new Following() {
            @Override
            public int awaitEnd() throws InterruptedException {
                int exit = process.waitFor();
                // its last lines first; bounded, as a child it left behind may hold the output open
                reader.join(5_000);
                return exit;
            }

            @Override
            public void close() {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        };
    }

    @Override
    public Socket connect(String target, int port, Duration timeout) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(target, port), (int) Math.max(1, timeout.toMillis()));
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * Writes {@code input} to the command's standard input and ends it. A command that ended (or closed its input)
     * before reading all of it has said how it went by its exit status: no failure here.
     */
    private static void give(Process process, byte[] input) {
        try (OutputStream stdin = process.getOutputStream()) {
            stdin.write(input);
        } catch (IOException e) {
            // a broken pipe: the command did not want the rest
        }
    }

    /** All of the output, up to 64 MiB (more is an error, not a reading cut short). */
    private static String readWhole(InputStream in) throws IOException {
        byte[] all = in.readNBytes(WHOLE_OUTPUT_LIMIT + 1);
        if (all.length > WHOLE_OUTPUT_LIMIT) {
            throw new IOException("its output passed " + (WHOLE_OUTPUT_LIMIT >> 20) + " MiB");
        }
        return new String(all, StandardCharsets.UTF_8);
    }

    /**
     * The last 64 KiB of the output, read to its end in constant memory: where a command says why it failed is
     * its end, and whoever shows it cuts it shorter still.
     */
    private static String readLimited(InputStream in) throws IOException {
        int limit = 64 * 1024;
        byte[] ring = new byte[limit];
        long total = 0;
        int n;
        while ((n = in.read(ring, (int) (total % limit), limit - (int) (total % limit))) > 0) {
            total += n;
        }
        if (total <= limit) {
            return new String(ring, 0, (int) total, StandardCharsets.UTF_8);
        }
        int start = (int) (total % limit);
        byte[] tail = new byte[limit];
        System.arraycopy(ring, start, tail, 0, limit - start);
        System.arraycopy(ring, 0, tail, limit - start, start);
        return new String(tail, StandardCharsets.UTF_8);
    }

    @Override
    public AutoCloseable lock(Duration timeout, Consumer<String> onWait) {
        Path lockFile = new Placement().file("/" + LOCK_FILE, "writes");
        try {
            createParents(lockFile);
            FileChannel channel;
            try {
                // a link there is an error, never followed: it could point at any file to truncate
                channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            } catch (FileSystemException e) {
                if (Files.isSymbolicLink(lockFile)) {
                    throw new HostException(name + ": cannot take the apply lock: /" + LOCK_FILE
                            + " is a symbolic link, which Driftless never follows; remove it, then try again", e);
                }
                throw e;
            }
            FileLock lock = channel.tryLock();
            if (lock == null) {
                String holder = holder(channel);
                onWait.accept("waiting for the lock on host " + name + " held by "
                        + (holder.isEmpty() ? "another apply" : "pid " + holder) + " (up to " + timeout.toSeconds() + "s)");
                lock = waitForLock(channel, timeout, holder);
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(String.valueOf(ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)), 0);
            FileLock held = lock;
            return () -> {
                held.release();
                channel.close();
            };
        } catch (IOException e) {
            throw new HostException(name + ": cannot take the apply lock " + lockFile + ": " + reason(e), e);
        }
    }

    private static String holder(FileChannel channel) throws IOException {
        ByteBuffer pid = ByteBuffer.allocate(32);
        channel.read(pid, 0);
        return new String(pid.array(), 0, pid.position(), StandardCharsets.UTF_8).trim();
    }

    private FileLock waitForLock(FileChannel channel, Duration timeout, String holder) throws IOException {
        ExecutorService waiter = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "driftless-lock-wait");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<FileLock> lock = waiter.submit(() -> channel.lock());
            return lock.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            channel.close();
            throw HostException.transientFailure(name + ": gave up after " + timeout.toSeconds() + "s waiting for the"
                    + " apply lock held by " + (holder.isEmpty() ? "another apply" : "pid " + holder)
                    + " (use --lock-timeout to wait longer)", null);
        } catch (ExecutionException e) {
            channel.close();
            throw new HostException(name + ": cannot take the apply lock: " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            channel.close();
            throw new HostException(name + ": interrupted while waiting for the apply lock", e);
        } finally {
            waiter.shutdownNow();
        }
    }

    @Override
    public void close() {
        // nothing held between operations
    }

    private void createParents(Path target) throws IOException {
        Path parent = target.getParent();
        if (parent == null || Files.isDirectory(parent)) {
            return;
        }
        if (confinement.isEmpty()) {
            Files.createDirectories(parent);
        } else {
            createEach(parent);
        }
    }

    /**
     * Creates {@code dir}, resolved inside the root, one component at a time without following a link:
     * one made meanwhile is an error, not a way out.
     */
    private static void createEach(Path dir) throws IOException {
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (dir.getParent() != null) {
            createEach(dir.getParent());
        }
        try {
            Files.createDirectory(dir);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw e;
            }
        }
    }

    private static Optional<Map<String, Object>> existingAttributes(Path path) throws IOException {
        try {
            return Optional.of(Files.readAttributes(path, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Sets the owner and group a resource manages; keeps those of the file it replaces otherwise. */
    private void setOwnership(Path path, Ownership ownership, Optional<Map<String, Object>> existing) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        UserPrincipalLookupService users = path.getFileSystem().getUserPrincipalLookupService();
        if (ownership.owner().isPresent()) {
            view.setOwner(lookupUser(users, ownership.owner().get()));
        } else if (existing.isPresent() && !existing.get().get("uid").equals(Files.getAttribute(path, "unix:uid"))) {
            Files.setAttribute(path, "unix:uid", existing.get().get("uid"), LinkOption.NOFOLLOW_LINKS);
        }
        if (ownership.group().isPresent()) {
            view.setGroup(lookupGroup(users, ownership.group().get()));
        } else if (existing.isPresent() && !existing.get().get("gid").equals(Files.getAttribute(path, "unix:gid"))) {
            Files.setAttribute(path, "unix:gid", existing.get().get("gid"), LinkOption.NOFOLLOW_LINKS);
        }
    }

    private UserPrincipal lookupUser(UserPrincipalLookupService users, String owner) throws IOException {
        try {
            return users.lookupPrincipalByName(owner);
        } catch (java.nio.file.attribute.UserPrincipalNotFoundException e) {
            throw new HostException(name + ": user '" + owner + "' does not exist on the host");
        }
    }

    private GroupPrincipal lookupGroup(UserPrincipalLookupService users, String group) throws IOException {
        try {
            return users.lookupPrincipalByGroupName(group);
        } catch (java.nio.file.attribute.UserPrincipalNotFoundException e) {
            throw new HostException(name + ": group '" + group + "' does not exist on the host");
        }
    }

    private static void syncDirectory(Path dir) {
        // makes the rename durable across a power loss; not every file system allows it
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // best effort
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // the leftover is replaced by the next write of the same file
        }
    }

    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason();
        }
        return String.valueOf(e.getMessage());
    }
}
