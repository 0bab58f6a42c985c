package dev.driftless.agent;

import dev.driftless.compose.EngineEvents;
import dev.driftless.host.Host;
import dev.driftless.host.HostException;
import dev.driftless.host.LocalHost;
import dev.driftless.host.SshConnections;
import dev.driftless.host.SshSettings;
import dev.driftless.model.Address;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the container engine of each host whose desired state has a stack ({@link EngineEvents}: a child process
 * locally, a long-running command over the host's own SSH connection otherwise) and asks for a drift check of the
 * host as soon as a container of a stack dies, stops, is killed or removed. A stream that ends (the engine restarted,
 * the connection lost) is followed again after 1 s, 2 s, 4 s ... up to the drift interval; each time a stream
 * starts, the host is checked once, as what happened while nobody followed is not known.
 */
final class EngineWatch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EngineWatch.class);
    // a stream that ran this long had reached the engine: the backoff starts again at one second
    private static final Duration SETTLED = Duration.ofMinutes(1);

    private final SshSettings ssh;
    private final Duration maxBackoff;
    private final BiConsumer<String, String> checkHost;
    private final Map<String, Follower> followers = new HashMap<>();
    private SshConnections connections;
    private boolean closed;

    /** {@code checkHost} is given a host and why it should be checked (it must not block). */
    EngineWatch(SshSettings ssh, Duration driftInterval, BiConsumer<String, String> checkHost) {
        this.ssh = ssh;
        this.maxBackoff = driftInterval;
        this.checkHost = checkHost;
    }

    /**
     * Follows the engines of exactly these hosts from now on: new ones are started, those no longer given ended, and
     * a host whose address or engine address changed is followed anew.
     */
    synchronized void follow(Collection<dev.driftless.model.Host> hosts) {
        if (closed) {
            return;
        }
        Map<String, dev.driftless.model.Host> wanted = new HashMap<>();
        hosts.forEach(h -> wanted.put(h.name(), h));
        followers.entrySet().removeIf(e -> {
            dev.driftless.model.Host now = wanted.get(e.getKey());
            boolean stale = now == null || !e.getValue().follows(now);
            if (stale) {
                e.getValue().close();
            }
            return stale;
        });
        wanted.forEach((name, host) -> followers.computeIfAbsent(name, n -> {
            Follower follower = new Follower(host);
            follower.start();
            return follower;
        }));
    }

    /** The hosts followed now, for tests and status. */
    synchronized java.util.Set<String> followed() {
        return java.util.Set.copyOf(followers.keySet());
    }

    @Override
    public synchronized void close() {
        closed = true;
        followers.values().forEach(Follower::close);
        followers.clear();
        if (connections != null) {
            connections.close();
        }
    }

    /** Connects outside the watch's lock: an SSH host that does not answer holds up only its own follower. */
    private Host connect(dev.driftless.model.Host host) {
        if (host.address() instanceof Address.Ssh address) {
            // no root: the engine is the host's, whatever folder the repository's paths land under
            return connections().connect(host.name(), address, Optional.empty(), host.identity(), host.become());
        }
        return new LocalHost(host.name(), Optional.empty());
    }

    private synchronized SshConnections connections() {
        if (closed) {
            throw new HostException("the agent is stopping");
        }
        if (connections == null) {
            connections = new SshConnections(ssh);
        }
        return connections;
    }

    /** The stream of one host, followed again whenever it ends, on a thread of its own until closed. */
    private final class Follower {
        private final dev.driftless.model.Host host;
        private final Thread thread;
        private final Object wake = new Object();
        private volatile boolean stopped;
        private volatile Host.Following following;
        // the last line that was not an event: what the engine said when the stream ended
        private volatile String said = "";

        Follower(dev.driftless.model.Host host) {
            this.host = host;
            this.thread = new Thread(this::run, "driftless-engine-events-" + host.name());
            thread.setDaemon(true);
        }

        boolean follows(dev.driftless.model.Host other) {
            return other.address().equals(host.address()) && other.dockerHost().equals(host.dockerHost())
                    && other.identity().equals(host.identity()) && other.become().equals(host.become());
        }

        void start() {
            thread.start();
        }

        private void run() {
            int failures = 0;
            while (!stopped) {
                long started = System.nanoTime();
                said = "";
                String ended;
                try (Host connected = connect(host);
                        Host.Following stream = connected.follow(EngineEvents.script(host.dockerHost()), this::line)) {
                    following = stream;
                    if (stopped) {
                        stream.close();
                    }
                    int exit = stream.awaitEnd();
                    ended = (exit == -1 ? "the connection ended" : "exit status " + exit)
                            + (said.isBlank() ? "" : ": " + said);
                } catch (HostException e) {
                    ended = e.getMessage();
                } catch (InterruptedException e) {
                    return;
                }
                if (stopped) {
                    return;
                }
                boolean settled = Duration.ofNanos(System.nanoTime() - started).compareTo(SETTLED) >= 0;
                failures = settled ? 1 : failures + 1;
                Duration wait = Schedule.backoff(failures, maxBackoff);
                wait = wait.compareTo(maxBackoff) > 0 ? maxBackoff : wait;
                LOG.warn("{}: the container engine's event stream ended ({}); following it again in {} s",
                        host.name(), ended, wait.toSeconds());
                synchronized (wake) {
                    long deadline = System.nanoTime() + wait.toNanos();
                    long left;
                    while (!stopped && (left = deadline - System.nanoTime()) > 0) {
                        try {
                            wake.wait(Math.max(1, left / 1_000_000));
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            }
        }

        private void line(String line) {
            if (stopped) {
                return;
            }
            if (line.equals(EngineEvents.FOLLOWING)) {
                said = "";
                checkHost.accept(host.name(), "its container engine is followed from now on (what happened before is"
                        + " not known)");
                return;
            }
            Optional<EngineEvents.ContainerEvent> event = EngineEvents.parse(line);
            if (event.isPresent()) {
                checkHost.accept(host.name(), event.get().describe());
            } else if (!line.isBlank()) {
                said = line.length() > 300 ? line.substring(0, 300) + "..." : line;
            }
        }

        void close() {
            stopped = true;
            Host.Following stream = following;
            if (stream != null) {
                stream.close();
            }
            synchronized (wake) {
                wake.notifyAll();
            }
        }
    }
}
