import dev.driftless.agent.Agent;
import dev.driftless.agent.AgentSettings;
import dev.driftless.host.SshSettings;
import dev.driftless.render.RenderLimits;
import dev.driftless.secrets.AgeKeyring;
import dev.driftless.source.RepoSource;
import dev.driftless.store.HistoryQuery;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.web.AgentMetrics;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The harness of bench/drift-check-cpu.sh: one agent in this JVM applies the repository to a local host, waits
 * for the files to settle, runs warm-up drift checks, then times each of the measured checks: the CPU time
 * (user+sys) of the whole process and the bytes allocated by all its threads, read just before and just after
 * {@link Agent#checkDriftOnce()}. Prints one line per measured check: "check CPU_NS ALLOC_BYTES WALL_NS".
 *
 *   java -cp driftless.jar bench/DriftCheckCpu.java REPO WORK WARMUP MEASURED
 */
public final class DriftCheckCpu {

    public static void main(String[] args) throws Exception {
        String repo = args[0];
        Path work = Path.of(args[1]);
        int warmup = Integer.parseInt(args[2]);
        int measured = Integer.parseInt(args[3]);
        Path state = work.resolve("state");
        AgentSettings settings = new AgentSettings(repo, Optional.empty(), Optional.empty(), List.of(),
                Duration.ofHours(1), Duration.ofHours(1), state, Optional.of(work.resolve("root")),
                new SshSettings(Optional.empty(), work.resolve("known_hosts"), false, Duration.ofSeconds(5),
                        Optional.empty()),
                new AgeKeyring(Optional.empty(), Map.of("HOME", work.toString())), 4, Duration.ofSeconds(10),
                Duration.ofSeconds(60), RepoSource.GitAuth.none(), Duration.ofMinutes(30), RenderLimits.DEFAULT,
                List.of(state), "bench", false, false);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (JdbcHistoryStore history = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(state), "bench")) {
            Agent agent = new Agent(settings, history, new AgentMetrics(), e -> { }, Clock.systemUTC());
            agent.reconcileOnce("bench");
            // a stat is trusted once the file has been left alone for two seconds (LocalHost)
            Thread.sleep(2_500);
            int rows = history.history(HistoryQuery.latest(1000)).size();
            for (int i = 0; i < warmup; i++) {
                agent.checkDriftOnce();
            }
            for (int i = 0; i < measured; i++) {
                long alloc0 = allocated(threads);
                long cpu0 = cpuNanos();
                long wall0 = System.nanoTime();
                agent.checkDriftOnce();
                long wall1 = System.nanoTime();
                long cpu1 = cpuNanos();
                long alloc1 = allocated(threads);
                System.out.println("check " + (cpu1 - cpu0) + " " + (alloc1 - alloc0) + " " + (wall1 - wall0));
            }
            int after = history.history(HistoryQuery.latest(1000)).size();
            if (after != rows) {
                throw new IllegalStateException("the checks were not quiet: " + (after - rows) + " history rows added");
            }
        }
    }

    /**
     * The CPU time (user+sys) the process's threads have had so far, in nanoseconds: the sum of the first field of
     * /proc/self/task/TID/schedstat over every thread, the JVM's own (GC, JIT) included. (getProcessCpuTime()
     * counts in 10 ms clock ticks here, too coarse for a check of a few milliseconds.)
     */
    private static long cpuNanos() throws IOException {
        long sum = 0;
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    sum += Long.parseLong(Files.readString(task.resolve("schedstat")).split(" ")[0]);
                } catch (IOException e) {
                    // a thread that ended meanwhile
                }
            }
        }
        return sum;
    }

    /** Bytes allocated so far by every live thread (the checks' worker threads stay alive between checks). */
    private static long allocated(com.sun.management.ThreadMXBean threads) {
        long[] ids = threads.getAllThreadIds();
        return Arrays.stream(threads.getThreadAllocatedBytes(ids)).filter(b -> b > 0).sum();
    }
}
