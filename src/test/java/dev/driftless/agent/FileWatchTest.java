package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.driftless.host.LocalHost;
import dev.driftless.state.HostState;
import dev.driftless.state.StateEntry;
import dev.driftless.state.StateFile;
import dev.driftless.testing.CapturedLogs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watch of a local host's managed paths (real files under a root in a temporary folder, real inotify): a change
 * of a managed path asks for a check of its host; other files, Driftless's temporary files and paths of no state ask
 * for nothing; a folder above the paths that is replaced is watched anew; a host past the limit is said once. How
 * inotify's events fall into batches is not up to a test: a step waits for a request that names its change among
 * others.
 */
class FileWatchTest {

    private static final long DEADLINE_SECONDS = 10;

    @TempDir
    Path tmp;

    final BlockingQueue<String> asked = new LinkedBlockingQueue<>();
    FileWatch watch;

    @BeforeEach
    void watch() {
        watch = new FileWatch(FileWatch.limitOfThisMachine(), Duration.ofHours(1),
                (host, why) -> asked.add(host + ": " + why));
    }

    @AfterEach
    void close() {
        watch.close();
    }

    /** A local host rooted at {@code tmp/NAME} whose state records these paths as files (and folders, ending in /). */
    private LocalHost host(String name, String... paths) throws Exception {
        LocalHost host = new LocalHost(name, Optional.of(tmp.resolve(name)));
        Map<String, StateEntry> resources = new LinkedHashMap<>();
        for (String path : paths) {
            boolean folder = path.endsWith("/");
            String key = folder ? path.substring(0, path.length() - 1) : path;
            Path at = host.resolve(key);
            if (folder) {
                Files.createDirectories(at);
            } else {
                Files.createDirectories(at.getParent());
                Files.writeString(at, "from git\n");
            }
            resources.put(key, new StateEntry(folder ? "directory" : "file", "app", null, null, null, null, null, null,
                    false));
        }
        resources.put("package:nginx", new StateEntry("package", "app", null, null, null, null, "present", null, false));
        StateFile.write(host, new HostState(HostState.VERSION, name, "abc123", "2026-12-01T08:00:00Z", true, resources,
                List.of()));
        return host;
    }

    /** The next request, within the deadline. */
    private String next() throws InterruptedException {
        String request = asked.poll(DEADLINE_SECONDS, TimeUnit.SECONDS);
        assertThat(request).as("a request within %d s", DEADLINE_SECONDS).isNotNull();
        return request;
    }

    /**
     * Waits for a request of {@code host} that says {@code path} was {@code what} (with other changes of the same
     * batch, if any); returns the requests passed over (those of an earlier step that came late).
     */
    private List<String> await(String host, String path, String what) throws InterruptedException {
        List<String> before = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
            String request = asked.poll(left, TimeUnit.NANOSECONDS);
            if (request != null && says(request, host, path, what)) {
                return before;
            }
            if (request != null) {
                before.add(request);
            }
        }
        throw new AssertionError("no request of " + host + " saying " + path + " " + what + " within "
                + DEADLINE_SECONDS + " s; got " + before);
    }

    /** Whether {@code request} ("box: /etc/a created, modified; /etc/b deleted") says {@code path} was {@code what}. */
    private static boolean says(String request, String host, String path, String what) {
        String prefix = host + ": ";
        return request.startsWith(prefix) && Arrays.stream(request.substring(prefix.length()).split("; "))
                .filter(change -> change.startsWith(path + " "))
                .anyMatch(change -> List.of(change.substring(path.length() + 1).split(", ")).contains(what));
    }

    @Test
    void aManagedFileWrittenDeletedOrChmoddedAsksForACheckOfItsHost() throws Exception {
        LocalHost box = host("box", "/etc/app/web.conf");
        watch.watch(List.of(box));
        Path conf = box.resolve("/etc/app/web.conf");

        // a chmod is one event, and each later step's kind differs from the one before: no step's late event can
        // pass for the next step's
        Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-rw-rw-"));
        await("box", "/etc/app/web.conf", "modified");
        Files.writeString(conf, "by hand\n");
        await("box", "/etc/app/web.conf", "modified");
        Files.delete(conf);
        await("box", "/etc/app/web.conf", "deleted");
        Files.writeString(conf, "from git\n");
        await("box", "/etc/app/web.conf", "created");
    }

    @Test
    void aBatchOfEventsNamesEveryKindOfChangeOfEachPathOnceInOrder() {
        FileWatch.Reasons reasons = new FileWatch.Reasons();
        reasons.add("box", "/etc/app/web.conf", "modified");
        reasons.add("other", "/etc/app/web.conf", "created");
        reasons.add("box", "/etc/app/web.conf", "modified");
        reasons.add("box", "/etc/app/web.conf", "deleted");
        reasons.add("other", "/etc/app/web.conf", "modified");
        reasons.add("box", "/etc/app/site.conf", "created");

        assertThat(reasons.byHost()).containsExactly(
                entry("box", "/etc/app/web.conf modified, deleted; /etc/app/site.conf created"),
                entry("other", "/etc/app/web.conf created, modified"));
    }

    @Test
    void aBatchTooLargeForInotifySaysSoAndNamesAFewPaths() {
        FileWatch.Reasons reasons = new FileWatch.Reasons();
        for (int i = 1; i <= FileWatch.Reasons.NAMED + 2; i++) {
            reasons.add("box", "/etc/app/" + i + ".conf", "modified");
        }
        reasons.overflowed("box");
        reasons.overflowed("other");

        assertThat(reasons.byHost()).containsExactly(
                entry("box", "more files changed at once than inotify could tell; /etc/app/1.conf modified;"
                        + " /etc/app/2.conf modified; /etc/app/3.conf modified; and 2 more paths"),
                entry("other", "more files changed at once than inotify could tell"));
    }

    @Test
    void otherFilesOfTheFolderAndDriftlesssTemporaryFilesAskForNothing() throws Exception {
        LocalHost box = host("box", "/etc/app/web.conf");
        watch.watch(List.of(box));

        Files.writeString(box.resolve("/etc/app/notes.txt"), "not managed\n");
        Files.writeString(box.resolve("/etc/app/.web.conf" + LocalHost.TEMP_SUFFIX), "being written\n");
        Files.delete(box.resolve("/etc/app/.web.conf" + LocalHost.TEMP_SUFFIX));
        Files.writeString(box.resolve("/var/lib/driftless/other.json"), "{}\n");
        // events of one folder arrive in order: had any of the above asked, it would come first
        Files.writeString(box.resolve("/etc/app/web.conf"), "by hand\n");

        assertThat(next()).isEqualTo("box: /etc/app/web.conf modified");
        assertThat(asked).as("later ones, if any, of the same write").allMatch(a -> a.contains("/etc/app/web.conf"));
    }

    @Test
    void aFolderAboveTheManagedFilesReplacedAsksAndItsNewFolderIsWatched() throws Exception {
        LocalHost box = host("box", "/etc/app/conf.d/web.conf", "/srv/www/");
        watch.watch(List.of(box));
        assertThat(watch.watched()).containsExactlyInAnyOrder(tmp.resolve("box/etc/app/conf.d"),
                tmp.resolve("box/etc/app"), tmp.resolve("box/etc"), tmp.resolve("box/srv"), tmp.resolve("box"));

        Path app = box.resolve("/etc/app");
        Files.move(app, tmp.resolve("box/etc/app.old"));
        await("box", "/etc/app", "deleted");
        // right after each other: the watch finds conf.d however its creation falls against the new app's register
        Files.createDirectories(box.resolve("/etc/app/conf.d"));
        await("box", "/etc/app", "created");
        awaitWatched(tmp.resolve("box/etc/app/conf.d"));

        // the folder moved away is no longer watched: its files are not the host's; nor is a managed folder's content
        Files.writeString(tmp.resolve("box/etc/app.old/conf.d/web.conf"), "elsewhere\n");
        Files.writeString(box.resolve("/srv/www/index.html"), "not managed\n");
        Files.delete(box.resolve("/srv/www/index.html"));
        Files.delete(box.resolve("/srv/www"));
        // events of the watched folders arrive in order: had the writes above asked, they would come first
        assertThat(await("box", "/srv/www", "deleted")).as("late requests of the new folders only")
                .allSatisfy(r -> assertThat(r).doesNotContain("web.conf").doesNotContain("index.html"));

        Files.writeString(box.resolve("/etc/app/conf.d/web.conf"), "by hand\n");
        await("box", "/etc/app/conf.d/web.conf", "created");
    }

    @Test
    void aFolderMovedInWithTheManagedFilesInsideAsksForThemAndIsWatched() throws Exception {
        LocalHost box = host("box", "/etc/app/conf.d/web.conf");
        watch.watch(List.of(box));
        Path ready = tmp.resolve("box/etc/app.new/conf.d/web.conf");
        Files.createDirectories(ready.getParent());
        Files.writeString(ready, "from elsewhere\n");

        Files.move(box.resolve("/etc/app"), tmp.resolve("box/etc/app.old"));
        await("box", "/etc/app", "deleted");
        Files.move(tmp.resolve("box/etc/app.new"), box.resolve("/etc/app"));
        // conf.d and its file came with no event of their own: the watch asks for them as it registers conf.d
        await("box", "/etc/app/conf.d", "created");
        awaitWatched(tmp.resolve("box/etc/app/conf.d"));

        Files.writeString(box.resolve("/etc/app/conf.d/web.conf"), "by hand\n");
        await("box", "/etc/app/conf.d/web.conf", "modified");
    }

    /** Waits until the watch has registered {@code folder} again. */
    private void awaitWatched(Path folder) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        while (!watch.watched().contains(folder)) {
            assertThat(System.nanoTime()).as("%s watched within %d s", folder, DEADLINE_SECONDS).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    @Test
    void aHostWithMoreFoldersThanTheLimitIsWatchedInPartAndSaysSoOnce() throws Exception {
        watch.close();
        watch = new FileWatch(2, Duration.ofHours(1), (host, why) -> asked.add(host + ": " + why));
        LocalHost box = host("box", "/etc/a/one.conf", "/etc/b/two.conf", "/etc/c/three.conf");
        LocalHost other = host("other", "/etc/d/four.conf");
        try (CapturedLogs logs = CapturedLogs.start()) {
            watch.watch(List.of(box, other));
            watch.watch(List.of(box, other));

            assertThat(logs.lines()).filteredOn(l -> l.startsWith("WARN")).containsExactly(
                    "WARN box: its managed files lie in 5 folders (with those above them), more than the inotify"
                            + " watches left to this agent (2 in all: fs.inotify.max_user_watches less 1024 for other"
                            + " programs); only 2 of them are watched, and changes elsewhere are found by the drift"
                            + " check every 3600 s (--drift-interval) (raise fs.inotify.max_user_watches with sysctl to"
                            + " watch them all)",
                    "WARN other: its managed files lie in 3 folders (with those above them), more than the inotify"
                            + " watches left to this agent (2 in all: fs.inotify.max_user_watches less 1024 for other"
                            + " programs); none of them is watched, and changes elsewhere are found by the drift check"
                            + " every 3600 s (--drift-interval) (raise fs.inotify.max_user_watches with sysctl to watch"
                            + " them all)");
        }
        assertThat(watch.watched()).containsExactlyInAnyOrder(tmp.resolve("box/etc/a"), tmp.resolve("box/etc/b"));
        Files.writeString(box.resolve("/etc/c/three.conf"), "by hand\n");
        Files.writeString(other.resolve("/etc/d/four.conf"), "by hand\n");
        Files.writeString(box.resolve("/etc/b/two.conf"), "by hand\n");
        assertThat(next()).isEqualTo("box: /etc/b/two.conf modified");
    }

    @Test
    void theLimitIsInotifysMaxUserWatchesLessTheMargin() throws Exception {
        Process cat = new ProcessBuilder("cat", "/proc/sys/fs/inotify/max_user_watches").start();
        int max = Integer.parseInt(new String(cat.getInputStream().readAllBytes()).strip());

        assertThat(FileWatch.limitOfThisMachine()).isEqualTo(Math.max(0, max - FileWatch.MARGIN));
    }

    @Test
    void aHostNoLongerGivenIsNoLongerWatchedAndCloseEndsTheThread() throws Exception {
        LocalHost box = host("box", "/etc/app/web.conf");
        watch.watch(List.of(box));
        watch.watch(List.of());
        assertThat(watch.watched()).isEmpty();

        watch.close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        while (Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("driftless-file-watch"))) {
            assertThat(System.nanoTime()).as("the watch's thread ended").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }
}
