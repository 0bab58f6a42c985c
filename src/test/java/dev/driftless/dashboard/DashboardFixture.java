package dev.driftless.dashboard;

import dev.driftless.agent.Agent;
import dev.driftless.agent.AgentControl;
import dev.driftless.agent.AgentMetrics;
import dev.driftless.agent.AgentSettings;
import dev.driftless.host.SshSettings;
import dev.driftless.secrets.AgeKeyring;
import dev.driftless.source.RepoSource;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.testing.TestRepo;
import dev.driftless.web.AgentServer;
import dev.driftless.web.ApiTokens;
import dev.driftless.web.HistorySource;
import dev.driftless.web.HttpLimits;
import dev.driftless.web.Listeners;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real agent over a real Git repository (one local host under a temporary root), its loop on a thread, serving
 * the dashboard on 127.0.0.1 with three named tokens: {@link #READ}, {@link #CONTROL} and {@link #METRICS}. The
 * dashboard tests (sign-in, overview, service page, actions) share it.
 */
final class DashboardFixture implements AutoCloseable {

    static final String READ = "read-token-0123456789abcdef";
    static final String CONTROL = "control-token-0123456789abcdef";
    static final String METRICS = "metrics-token-0123456789abcdef";

    final TestRepo repo;
    final Path root;
    final Agent agent;
    final AgentServer server;
    final Dashboard dashboard;
    private final HistoryStore history;
    private final Thread loop;
    private final BlockingQueue<String> cycles = new LinkedBlockingQueue<>();

    /**
     * Starts the agent on {@code repo} (already committed to) and waits until it applied its first commit.
     *
     * @param clock the dashboard's clock (sessions and the sign-in throttle)
     */
    static DashboardFixture start(Path tmp, TestRepo repo, Clock clock) {
        return new DashboardFixture(tmp, repo, clock, Duration.ofSeconds(15));
    }

    private DashboardFixture(Path tmp, TestRepo repo, Clock clock, Duration heartbeat) {
        this.repo = repo;
        this.root = tmp.resolve("root");
        Path state = tmp.resolve("state");
        AgentSettings settings = new AgentSettings("file://" + repo.dir(), Optional.empty(), Optional.empty(),
                List.of(), Duration.ofHours(1), Duration.ofHours(1), state, Optional.of(root),
                new SshSettings(Optional.empty(), tmp.resolve("known_hosts"), false, Duration.ofSeconds(5),
                        Optional.empty()),
                new AgeKeyring(Optional.empty(), Map.of("HOME", tmp.toString())), 4, Duration.ofSeconds(10),
                Duration.ofSeconds(60), RepoSource.GitAuth.none(), Duration.ofMinutes(30),
                dev.driftless.render.RenderLimits.DEFAULT, List.of(state), "test-agent", false, false,
                state.resolve("cache"));
        history = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(state), "test-agent");
        agent = new Agent(settings, history, new AgentMetrics(), e -> { }, Clock.systemUTC());
        agent.onCycle(cycles::add);
        ApiTokens tokens = tokens(tmp);
        dashboard = new Dashboard(agent, tokens, Optional.of(history), clock, heartbeat);
        server = AgentServer.start(Listeners.on("127.0.0.1:0"), agent, new AgentMetrics(), HistorySource.of(history),
                Optional.empty(), tokens, HttpLimits.DEFAULTS, Optional.of(dashboard));
        loop = new Thread(agent::run, "agent-loop");
        loop.start();
        awaitCycle("fetch");
    }

    /** The three tokens, as an agent reads them from a --tokens-file. */
    static ApiTokens tokens(Path tmp) {
        try {
            Path file = tmp.resolve("api-tokens");
            Files.writeString(file, "viewer read " + READ + "\nops control " + CONTROL + "\nprometheus metrics "
                    + METRICS + "\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            return ApiTokens.read(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The agent's history database. */
    HistoryStore history() {
        return history;
    }

    /** The dashboard's address of {@code path}. */
    String url(String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    /** Waits (a minute at most) for the loop to finish a cycle of {@code kind} ("fetch", "drift"). */
    void awaitCycle(String kind) {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        try {
            for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
                String cycle = cycles.poll(left, TimeUnit.NANOSECONDS);
                if (kind.equals(cycle)) {
                    return;
                }
                if ("failed".equals(cycle)) {
                    throw new AssertionError("the agent's cycle failed unexpectedly");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new AssertionError("the agent finished no " + kind + " cycle within a minute");
    }

    /** Waits (10 s at most, polling) until at least {@code count} live streams are open. */
    void awaitLiveStreams(int count) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (dashboard.liveStreams() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no live stream opened within 10 s (" + dashboard.liveStreams() + " open)");
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /**
     * Registers, before a change is caused, a wait for the agent's status to say {@code what}: the returned latch
     * opens when a change of the status satisfies it (the moment the dashboard is told, too).
     */
    static java.util.concurrent.CountDownLatch whenStatus(AgentControl control,
            Predicate<dev.driftless.agent.AgentStatus> what) {
        java.util.concurrent.CountDownLatch seen = new java.util.concurrent.CountDownLatch(1);
        control.onChange(() -> {
            if (what.test(control.status())) {
                seen.countDown();
            }
        });
        return seen;
    }

    @Override
    public void close() throws InterruptedException {
        agent.stop();
        loop.join(60_000);
        server.close();
        history.close();
    }
}
