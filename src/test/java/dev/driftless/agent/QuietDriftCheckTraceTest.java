package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Processes;
import dev.driftless.testing.TestRepo;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the agent process opens during its drift checks, as the kernel saw it (strace): once the managed
 * files have been left alone long enough for their stat to identify them (two seconds), a quiet check opens
 * none of them, and a hand edit that keeps the file's size and modification time is still found and healed
 * by the very next check. A file whose stat changed but whose content did not (a touch) is read again, once
 * it settled, and then trusted by the checks after it.
 */
class QuietDriftCheckTraceTest {

    private static final int FILES = 5;
    // LocalHost trusts a stat only once the file is this old (SETTLED_MILLIS), plus a margin for the clocks
    private static final double SETTLE_SECONDS = 2.2;
    // drift checks start at least this far apart (interval 200 ms less 10% jitter); the two reads of
    // the state file within one check are well under a millisecond apart
    private static final double SAME_CHECK_SECONDS = 0.05;
    private static final Pattern OPEN = Pattern.compile("^\\d+\\s+(\\d+\\.\\d+)\\s+openat\\(AT_FDCWD, \"([^\"]+)\", ([A-Z_|]+)");

    @TempDir
    Path tmp;

    /** One openat the agent made: when (seconds since the epoch), which file, and whether it created it. */
    private record Open(double time, String path, boolean creates) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s%s at %.6f", creates ? "created " : "", path, time);
        }
    }

    @Test
    void quietDriftChecksOpenNoManagedFileAndTheNextCheckHealsAHandEditThatKeepsSizeAndMtime() throws Exception {
        TestRepo repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        StringBuilder service = new StringBuilder("hosts: [box]\nfiles:\n");
        for (int i = 1; i <= FILES; i++) {
            service.append("  - path: /etc/app/f").append(i).append(".conf\n    content: \"line ").append(i).append("\\n\"\n");
        }
        repo.write("services/app/service.yaml", service.toString());
        repo.commit("five files");
        Path root = tmp.resolve("root");
        Path edited = root.resolve("etc/app/f1.conf");
        String managed = root.resolve("etc/app") + "/";
        String stateFile = root.resolve("var/lib/driftless/state/box.json").toString();

        Path fifo = tmp.resolve("trace.fifo");
        AgentFixture.mkfifo(fifo);
        List<Open> opens = Collections.synchronizedList(new ArrayList<>());
        BlockingQueue<Double> checkStarts = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> read(fifo, stateFile, opens, checkStarts), "strace-reader");
        reader.setDaemon(true);
        reader.start();

        List<String> command = new ArrayList<>(List.of("strace", "-f", "-qq", "-ttt", "--seccomp-bpf", "-e",
                "signal=none", "-e", "trace=openat", "-o", fifo.toString()));
        command.addAll(Processes.driftless(tmp, "agent", "--repo", repo.dir().toString(), "--root", root.toString(),
                "--state-dir", tmp.resolve("state").toString(), "--listen", "127.0.0.1:0", "--interval", "1h",
                "--drift-interval", "200ms").command());
        Process strace = Processes.start(new ProcessBuilder(command).directory(tmp.toFile()).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("agent.log").toFile()));
        double editedAt;
        double touchedAt;
        double stoppedAt;
        try {
            // the state file is first read by the first drift check, after the first apply wrote everything
            awaitChecks(checkStarts, 0, 1, tmp);
            // a check after the files settled may read them once, later ones not
            double firstQuiet = awaitChecks(checkStarts, settledAt(root.resolve("etc/app")), 4, tmp).get(1);

            String before = Files.readString(edited);
            FileTime mtime = Files.getLastModifiedTime(edited);
            editedAt = System.currentTimeMillis() / 1000.0;
            Files.writeString(edited, before.toUpperCase(Locale.ROOT)); // the same size
            Files.setLastModifiedTime(edited, mtime); // and the same mtime: only the ctime tells
            awaitHeal(opens, checkStarts, editedAt, tmp);
            assertThat(edited).hasContent(before);

            double afterHeal = awaitChecks(checkStarts, settledAt(root.resolve("etc/app")), 4, tmp).get(1);

            Path touched = root.resolve("etc/app/f2.conf");
            touchedAt = System.currentTimeMillis() / 1000.0;
            Files.setLastModifiedTime(touched, FileTime.fromMillis(System.currentTimeMillis())); // content unchanged
            double afterTouch = awaitChecks(checkStarts, settledAt(root.resolve("etc/app")), 4, tmp).get(1);
            stoppedAt = System.currentTimeMillis() / 1000.0;
            stop(strace);
            reader.join(60_000);

            List<Open> all = List.copyOf(opens);
            assertThat(managedReads(all, managed, firstQuiet, editedAt))
                    .as("files opened by the quiet checks after the files settled").isEmpty();
            List<Double> starts = checkStartsOf(all, stateFile);
            // the check under way when the file was edited, or else the one after it, reads the file again
            double next = starts.stream().filter(t -> t > editedAt).findFirst().orElseThrow();
            double following = starts.stream().filter(t -> t > next).findFirst().orElseThrow();
            assertThat(managedReads(all, managed, editedAt, following)).as("the checks right after the hand edit")
                    .extracting(Open::path).contains(edited.toString());
            assertThat(managedReads(all, managed, afterHeal, touchedAt))
                    .as("files opened by the quiet checks after the healed file settled").isEmpty();
            assertThat(managedReads(all, managed, touchedAt, afterTouch)).as("the checks after a touch")
                    .extracting(Open::path).contains(touched.toString());
            assertThat(all).as("a touched file that holds what it should is not written again")
                    .noneMatch(o -> o.creates() && o.time() > touchedAt && o.path().endsWith("/.f2.conf.driftless-tmp"));
            assertThat(managedReads(all, managed, afterTouch, stoppedAt))
                    .as("files opened by the quiet checks after the touched file settled").isEmpty();
        } finally {
            strace.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            strace.destroyForcibly();
        }
    }

    /** When the newest change to a file in {@code dir} is old enough for the agent to trust its stat. */
    private static double settledAt(Path dir) throws Exception {
        double newest = 0;
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                FileTime ctime = (FileTime) Files.getAttribute(file, "unix:ctime");
                newest = Math.max(newest, Math.max(ctime.toMillis(), Files.getLastModifiedTime(file).toMillis()));
            }
        }
        return newest / 1000.0 + SETTLE_SECONDS;
    }

    /** The start times of the first {@code count} drift checks that start after {@code after}. */
    private static List<Double> awaitChecks(BlockingQueue<Double> checkStarts, double after, int count, Path tmp)
            throws Exception {
        List<Double> found = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (found.size() < count) {
            Double start = checkStarts.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            assertThat(start).as("drift checks of the agent within a minute; its log: %s",
                    Files.readString(tmp.resolve("agent.log"))).isNotNull();
            if (start > after) {
                found.add(start);
            }
        }
        return found;
    }

    /** Waits for the check after {@code editedAt} that wrote the file again, and for the check after it. */
    private static void awaitHeal(List<Open> opens, BlockingQueue<Double> checkStarts, double editedAt, Path tmp)
            throws Exception {
        for (int checks = 0; checks < 10; checks++) {
            double start = awaitChecks(checkStarts, editedAt, 1, tmp).get(0);
            synchronized (opens) {
                if (opens.stream().anyMatch(o -> o.creates() && o.time() > editedAt && o.time() < start
                        && o.path().endsWith("/.f1.conf.driftless-tmp"))) {
                    return;
                }
            }
        }
        throw new AssertionError("the hand edit was not healed within ten drift checks");
    }

    /** Ends the agent (SIGTERM to the JVM, not to strace, which would detach and leave it running). */
    private static void stop(Process strace) throws Exception {
        strace.toHandle().children().forEach(ProcessHandle::destroy);
        assertThat(strace.waitFor(60, TimeUnit.SECONDS)).as("the agent and strace end").isTrue();
    }

    /** Reads managed files opened for reading (hashing) between two moments. */
    private static List<Open> managedReads(List<Open> opens, String managedDir, double from, double to) {
        return opens.stream().filter(o -> !o.creates() && o.path().startsWith(managedDir) && o.time() >= from
                && o.time() < to).toList();
    }

    /** The start of every drift check among {@code opens}. */
    private static List<Double> checkStartsOf(List<Open> opens, String stateFile) {
        CheckStarts starts = new CheckStarts(stateFile);
        List<Double> found = new ArrayList<>();
        opens.forEach(o -> starts.startedBy(o).ifPresent(found::add));
        return found;
    }

    /**
     * Tells the start of each drift check in a stream of opens: a check begins by reading the host's state
     * file (twice in a row: hashed, then parsed).
     */
    private static final class CheckStarts {
        private final String stateFile;
        private double last;

        CheckStarts(String stateFile) {
            this.stateFile = stateFile;
        }

        Optional<Double> startedBy(Open open) {
            if (open.creates() || !open.path().equals(stateFile)) {
                return Optional.empty();
            }
            boolean first = open.time() - last > SAME_CHECK_SECONDS;
            last = open.time();
            return first ? Optional.of(open.time()) : Optional.empty();
        }
    }

    /** Collects the opens strace writes to {@code fifo}, and hands on when each drift check starts. */
    private static void read(Path fifo, String stateFile, List<Open> opens, BlockingQueue<Double> checkStarts) {
        CheckStarts starts = new CheckStarts(stateFile);
        try (BufferedReader lines = Files.newBufferedReader(fifo, StandardCharsets.UTF_8)) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                Matcher m = OPEN.matcher(line);
                if (m.find()) {
                    Open open = new Open(Double.parseDouble(m.group(1)), m.group(2), m.group(3).contains("O_CREAT"));
                    opens.add(open);
                    starts.startedBy(open).ifPresent(checkStarts::add);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
