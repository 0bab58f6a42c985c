package dev.driftless.dashboard;

import io.javalin.http.sse.SseClient;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The overview's live updates: open Server-Sent Event streams, each sent the board (event {@code board}, the HTML of
 * the attention list and grid) when it opens and whenever the agent's status changes, and a comment as heartbeat so
 * that no proxy or the listener's idle timeout closes a quiet stream. Each stream is written by its own task, so a
 * browser that stops reading holds up only its own stream. Streams are bounded per session and in all, and close when
 * their session ends.
 */
final class LiveBoard implements AutoCloseable {

    /** Streams open at once, in all. */
    static final int MAX_STREAMS = 32;
    /** Streams open at once for one session (a few tabs). */
    static final int MAX_PER_SESSION = 8;

    private static final Logger LOG = LoggerFactory.getLogger(LiveBoard.class);

    private final Function<Boolean, String> render;
    private final Duration heartbeat;
    private final Runnable onTick;
    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
    private final Map<Sessions.Session, Integer> perSession = new ConcurrentHashMap<>();
    private final AtomicLong version = new AtomicLong();
    private final Map<Boolean, Rendered> rendered = new ConcurrentHashMap<>();
    private final ExecutorService writers = Executors.newCachedThreadPool(daemon("dashboard-stream"));
    private final ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor(daemon("dashboard-tick"));
    private int open; // guarded by this

    private record Rendered(long version, String html) {
    }

    /**
     * @param render the board's HTML for a viewer who may act (true) or only view (false)
     * @param heartbeat how often a quiet stream gets a comment
     * @param onTick run at every heartbeat (the sessions' sweep, so that expired sessions' streams close)
     */
    LiveBoard(Function<Boolean, String> render, Duration heartbeat, Runnable onTick) {
        this.render = render;
        this.heartbeat = heartbeat;
        this.onTick = onTick;
        ticks.scheduleWithFixedDelay(this::tick, heartbeat.toMillis(), heartbeat.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Takes a place for one more stream of {@code session}; false when the session or the agent has enough open. */
    synchronized boolean admit(Sessions.Session session) {
        if (open >= MAX_STREAMS || perSession.getOrDefault(session, 0) >= MAX_PER_SESSION) {
            return false;
        }
        open++;
        perSession.merge(session, 1, Integer::sum);
        return true;
    }

    private synchronized void release(Sessions.Session session) {
        open--;
        perSession.computeIfPresent(session, (s, n) -> n <= 1 ? null : n - 1);
    }

    /** Serves an admitted stream until the browser goes away, the session ends or the server stops. */
    void attach(Sessions.Session session, SseClient client) {
        Stream stream = new Stream(session, client);
        streams.add(stream);
        client.onClose(stream::closed);
        session.onEnd(client::close);
        client.keepAlive();
        stream.offer(true);
    }

    /** The agent's status may have changed: every stream is sent the board again. */
    void changed() {
        version.incrementAndGet();
        streams.forEach(s -> s.offer(true));
    }

    private void tick() {
        try {
            onTick.run();
            streams.forEach(s -> s.offer(false));
        } catch (RuntimeException e) {
            LOG.warn("the dashboard's heartbeat failed", e);
        }
    }

    /** The board as the latest change left it, rendered once per change and kind of viewer. */
    private String board(boolean mayControl) {
        long now = version.get();
        Rendered last = rendered.get(mayControl);
        if (last != null && last.version() == now) {
            return last.html();
        }
        String html = render.apply(mayControl);
        rendered.put(mayControl, new Rendered(now, html));
        return html;
    }

    /** How many streams are open (for tests and the log). */
    int open() {
        return streams.size();
    }

    @Override
    public void close() {
        ticks.shutdownNow();
        writers.shutdownNow();
        for (Stream stream : java.util.List.copyOf(streams)) {
            stream.closed();
            stream.client.close();
        }
    }

    /** One open stream; at most one task writes to it at a time, and sends only the newest board. */
    private final class Stream {
        private final Sessions.Session session;
        private final SseClient client;
        private final AtomicBoolean writing = new AtomicBoolean();
        private final AtomicBoolean released = new AtomicBoolean();
        private volatile boolean boardDue;
        private volatile boolean heartbeatDue;

        Stream(Sessions.Session session, SseClient client) {
            this.session = session;
            this.client = client;
        }

        void offer(boolean board) {
            if (board) {
                boardDue = true;
            } else {
                heartbeatDue = true;
            }
            if (writing.compareAndSet(false, true)) {
                try {
                    writers.execute(this::write);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    writing.set(false); // shutting down
                }
            }
        }

        private void write() {
            do {
                try {
                    while (!client.terminated() && (boardDue || heartbeatDue)) {
                        if (boardDue) {
                            boardDue = false;
                            heartbeatDue = false;
                            client.sendEvent("board", board(session.mayControl()));
                        } else {
                            heartbeatDue = false;
                            client.sendComment("heartbeat");
                        }
                    }
                } catch (RuntimeException e) {
                    LOG.debug("a live stream ended: {}", e.toString());
                    client.close();
                } finally {
                    writing.set(false);
                }
            } while (!client.terminated() && (boardDue || heartbeatDue) && writing.compareAndSet(false, true));
            if (client.terminated()) {
                closed();
            }
        }

        void closed() {
            if (released.compareAndSet(false, true)) {
                streams.remove(this);
                release(session);
            }
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicLong count = new AtomicLong();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
