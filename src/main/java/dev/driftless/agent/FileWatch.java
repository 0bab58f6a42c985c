package dev.driftless.agent;

import dev.driftless.host.HostException;
import dev.driftless.host.LocalHost;
import dev.driftless.state.HostState;
import dev.driftless.state.StateFile;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the managed paths of local hosts (java.nio's WatchService: inotify on Linux) and asks for a drift check of
 * a host as soon as one of its paths is created, modified (content or attributes) or deleted, or a folder above it
 * (up to the host's root) is removed or replaced. The paths are those of the host's state, under its root; other
 * files in the same folders and Driftless's own temporary files ({@code .NAME.driftless-tmp}) ask for nothing. Each
 * folder watched takes one of the user's inotify watches: a host needing more than are left is watched in part or not
 * at all, said once in a WARN, and the drift interval covers the rest.
 */
final class FileWatch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FileWatch.class);
    private static final Path MAX_USER_WATCHES = Path.of("/proc/sys/fs/inotify/max_user_watches");
    // left to the user's other programs (editors, desktops, other agents): inotify's limit is per user, not per process
    static final int MARGIN = 1024;
    // where the kernel does not say (not Linux): a bound all the same
    private static final int UNKNOWN_LIMIT = 8192;

    private final int limit;
    private final Duration driftInterval;
    private final BiConsumer<String, String> checkHost;
    private final Object lock = new Object();
    // guarded by lock: folder -> name in it -> host -> the path as the repository names it
    private Map<Path, Map<String, Map<String, String>>> interests = Map.of();
    private final Map<Path, WatchKey> keys = new HashMap<>();
    // hosts said to be watched in part, until they are watched in full again
    private final Set<String> warned = new HashSet<>();
    private WatchService service;
    private boolean closed;

    /**
     * Watches at most {@code limit} folders; {@code checkHost} is given a host and why it should be checked (it must
     * not block).
     */
    FileWatch(int limit, Duration driftInterval, BiConsumer<String, String> checkHost) {
        this.limit = limit;
        this.driftInterval = driftInterval;
        this.checkHost = checkHost;
    }

    /** The folders this machine lets the agent watch: inotify's max_user_watches less a margin for other programs. */
    static int limitOfThisMachine() {
        // in one read: /proc says size 0, and Files.readString's second read (at offset 1) can find the end there
        try (java.io.InputStream in = Files.newInputStream(MAX_USER_WATCHES)) {
            String max = new String(in.readNBytes(32), java.nio.charset.StandardCharsets.US_ASCII).strip();
            return Math.max(0, Integer.parseInt(max) - MARGIN);
        } catch (IOException | NumberFormatException e) {
            return UNKNOWN_LIMIT;
        }
    }

    /**
     * Watches the managed paths of exactly these hosts from now on, as their states on this machine record them;
     * hosts no longer given are no longer watched.
     */
    void watch(List<LocalHost> hosts) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            Map<Path, Map<String, Map<String, String>>> wanted = new LinkedHashMap<>();
            int left = limit;
            for (LocalHost host : hosts.stream().sorted(Comparator.comparing(LocalHost::name)).toList()) {
                Map<Path, Map<String, String>> folders = folders(host);
                List<Path> chosen = folders.keySet().stream().filter(f -> !wanted.containsKey(f)).limit(left).toList();
                int needed = (int) folders.keySet().stream().filter(f -> !wanted.containsKey(f)).count();
                left -= chosen.size();
                folders.forEach((folder, names) -> {
                    if (wanted.containsKey(folder) || chosen.contains(folder)) {
                        Map<String, Map<String, String>> byName = wanted.computeIfAbsent(folder,
                                f -> new HashMap<>());
                        names.forEach((name, path) -> byName.computeIfAbsent(name, n -> new HashMap<>())
                                .put(host.name(), path));
                    }
                });
                if (chosen.size() < needed) {
                    overLimit(host.name(), needed, chosen.size());
                } else {
                    warned.remove(host.name());
                }
            }
            warned.retainAll(hosts.stream().map(LocalHost::name).toList());
            interests = wanted;
            if (!wanted.isEmpty() && !start()) {
                return;
            }
            // folders watched anew here ask for nothing: the agent calls this right after a cycle that read the paths
            rewatch();
        }
    }

    /**
     * The folders holding the managed paths of {@code host} (first) and the folders above them up to its root, each
     * with the names in it that matter and the path each stands for; none when its state cannot be read.
     */
    private static Map<Path, Map<String, String>> folders(LocalHost host) {
        HostState state;
        try {
            state = StateFile.read(host);
        } catch (HostException e) {
            LOG.warn("{}: its managed files are not watched, as its state cannot be read ({}); the drift interval"
                    + " covers them", host.name(), e.getMessage());
            return Map.of();
        }
        Path root = host.resolve("/");
        Map<Path, Map<String, String>> holding = new TreeMap<>();
        Map<Path, Map<String, String>> above = new TreeMap<>();
        for (String path : state.resources().keySet()) {
            if (!path.startsWith("/")) {
                continue; // a package, unit or stack: not a file
            }
            Path at = host.resolve(path).normalize();
            Map<Path, Map<String, String>> into = holding;
            while (at.getParent() != null && at.startsWith(root) && !at.equals(root)) {
                into.computeIfAbsent(at.getParent(), f -> new TreeMap<>()).put(at.getFileName().toString(),
                        "/" + root.relativize(at));
                at = at.getParent();
                into = above;
            }
        }
        // the folders holding paths first: those a host watched in part keeps
        Map<Path, Map<String, String>> folders = new LinkedHashMap<>(holding);
        above.forEach((folder, names) -> folders.computeIfAbsent(folder, f -> new TreeMap<>()).putAll(names));
        return folders;
    }

    private void overLimit(String host, int needed, int watched) {
        if (warned.add(host)) {
            LOG.warn("{}: its managed files lie in {} folders (with those above them), more than the inotify watches"
                    + " left to this agent ({} in all: fs.inotify.max_user_watches less {} for other programs); {},"
                    + " and changes elsewhere are found by the drift check every {} (raise fs.inotify.max_user_watches"
                    + " with sysctl to watch them all)", host, needed, limit, MARGIN,
                    watched == 0 ? "none of them is watched" : "only " + watched + " of them are watched",
                    interval());
        }
    }

    /** Starts the watching thread once; false when this machine offers no watch service. */
    private boolean start() {
        if (service != null) {
            return true;
        }
        try {
            service = FileSystems.getDefault().newWatchService();
        } catch (IOException | UnsupportedOperationException e) {
            LOG.warn("managed files are not watched ({}); the drift check every {} covers them", e.getMessage(),
                    interval());
            interests = Map.of();
            return false;
        }
        Thread thread = new Thread(this::run, "driftless-file-watch");
        thread.setDaemon(true);
        thread.start();
        return true;
    }

    /**
     * Registers every folder of interest that exists now (a folder replaced since gets a new key, the old one is
     * cancelled) and cancels the rest; returns the folders registered anew, whose changes until now no event told.
     */
    private List<Path> rewatch() {
        keys.entrySet().removeIf(e -> {
            boolean stale = !interests.containsKey(e.getKey()) || !Files.isDirectory(e.getKey());
            if (stale) {
                e.getValue().cancel();
            }
            return stale;
        });
        List<Path> fresh = new ArrayList<>();
        // parents before children: a folder created after its parent is registered comes as an event of the parent,
        // and one created before is found here, as it is looked for only once its parent is registered
        for (Path folder : interests.keySet().stream().sorted(Comparator.comparingInt(Path::getNameCount)).toList()) {
            if (!Files.isDirectory(folder)) {
                continue; // its parent is watched for its name: it is registered once it is created
            }
            try {
                WatchKey key = folder.register(service, StandardWatchEventKinds.ENTRY_CREATE,
                        StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY);
                WatchKey old = keys.put(folder, key);
                if (!key.equals(old)) {
                    fresh.add(folder);
                    if (old != null) {
                        old.cancel();
                    }
                }
            } catch (NoSuchFileException e) {
                WatchKey old = keys.remove(folder);
                if (old != null) {
                    old.cancel();
                }
            } catch (IOException e) {
                // the user's watches ran out (other programs took them) or the folder cannot be read
                interests.get(folder).values().stream().flatMap(hosts -> hosts.keySet().stream()).distinct()
                        .filter(warned::add)
                        .forEach(host -> LOG.warn("{}: cannot watch {} ({}); changes there are found by the drift"
                                + " check every {}", host, folder, e.getMessage(), interval()));
            }
        }
        return fresh;
    }

    private void run() {
        while (true) {
            WatchKey key;
            try {
                key = service.take();
            } catch (ClosedWatchServiceException | InterruptedException e) {
                return;
            }
            List<WatchEvent<?>> events = key.pollEvents();
            boolean valid = key.reset();
            Reasons reasons = new Reasons();
            synchronized (lock) {
                if (closed) {
                    return;
                }
                Path folder = (Path) key.watchable();
                if (!key.equals(keys.get(folder))) {
                    continue; // cancelled: the folder was moved away or is no longer of interest
                }
                if (seen(folder, events, valid, reasons)) {
                    // what changed in a folder before it was registered was told to no one
                    rewatch().forEach(fresh -> interests.get(fresh).values().forEach(hosts -> hosts.forEach(
                            (host, path) -> reasons.add(host, folderOf(path), "created"))));
                }
            }
            // outside the lock: the agent takes its own to note the request
            reasons.byHost().forEach(checkHost);
        }
    }

    /**
     * What {@code events} in {@code folder} ask for, into {@code reasons}; whether the folders must be registered
     * again.
     */
    private boolean seen(Path folder, List<WatchEvent<?>> events, boolean valid, Reasons reasons) {
        boolean rewatch = !valid;
        Map<String, Map<String, String>> names = interests.getOrDefault(folder, Map.of());
        for (WatchEvent<?> event : events) {
            if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                interests.values().forEach(byName -> byName.values().forEach(hosts -> hosts.keySet().forEach(
                        reasons::overflowed)));
                rewatch = true;
                continue;
            }
            String name = event.context().toString();
            if (name.startsWith(".") && name.endsWith(LocalHost.TEMP_SUFFIX)) {
                continue; // Driftless writing a file: the rename that ends it is the event that counts
            }
            String what = event.kind() == StandardWatchEventKinds.ENTRY_CREATE ? "created"
                    : event.kind() == StandardWatchEventKinds.ENTRY_DELETE ? "deleted" : "modified";
            names.getOrDefault(name, Map.of()).forEach((host, path) -> reasons.add(host, path, what));
            rewatch |= interests.containsKey(folder.resolve(name));
        }
        if (!valid) {
            // the folder itself is gone (its parent, when watched, said so too)
            names.values().forEach(hosts -> hosts.forEach((host, path) -> reasons.add(host, folderOf(path),
                    "removed")));
        }
        return rewatch;
    }

    /** The folder holding {@code path}, as the repository names it: "/etc/app" for "/etc/app/web.conf". */
    private static String folderOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    /**
     * Why each host should be checked, from one batch of events: each of its paths with every kind of change seen,
     * once and in order ("/etc/app/web.conf modified, deleted"), so that a write's last event and a delete read as
     * both, and a file created and written as created.
     */
    static final class Reasons {

        private static final String OVERFLOW = "more files changed at once than inotify could tell";
        // a reason names this many paths of its host at most, and counts the rest
        static final int NAMED = 3;

        // host -> path -> what happened to it, in the order seen
        private final Map<String, Map<String, Set<String>>> changes = new LinkedHashMap<>();
        private final Set<String> overflowed = new HashSet<>();

        void add(String host, String path, String what) {
            changes.computeIfAbsent(host, h -> new LinkedHashMap<>()).computeIfAbsent(path, p -> new LinkedHashSet<>())
                    .add(what);
        }

        /** Events of {@code host}'s paths were lost: which ones changed is not known. */
        void overflowed(String host) {
            changes.computeIfAbsent(host, h -> new LinkedHashMap<>());
            overflowed.add(host);
        }

        /** Each host asked for, in the order it came, with why. */
        Map<String, String> byHost() {
            Map<String, String> reasons = new LinkedHashMap<>();
            changes.forEach((host, paths) -> {
                List<String> parts = new ArrayList<>();
                if (overflowed.contains(host)) {
                    parts.add(OVERFLOW);
                }
                paths.entrySet().stream().limit(NAMED).forEach(p -> parts.add(p.getKey() + " " + String.join(", ",
                        p.getValue())));
                if (paths.size() > NAMED) {
                    parts.add("and " + (paths.size() - NAMED) + " more paths");
                }
                reasons.put(host, String.join("; ", parts));
            });
            return reasons;
        }
    }

    /** The folders watched now, for tests. */
    Set<Path> watched() {
        synchronized (lock) {
            return Set.copyOf(keys.keySet());
        }
    }

    /** Ends the watch; its thread ends at once (not waited for: the agent may call this under its own lock). */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            keys.clear();
            if (service != null) {
                try {
                    service.close(); // take() ends with ClosedWatchServiceException
                } catch (IOException e) {
                    LOG.warn("cannot close the watch of managed files: {}", e.getMessage());
                }
            }
        }
    }

    private String interval() {
        return driftInterval.toSeconds() + " s (--drift-interval)";
    }
}
