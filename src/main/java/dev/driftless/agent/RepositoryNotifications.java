package dev.driftless.agent;

import dev.driftless.engine.Workspace;
import dev.driftless.model.Notification;
import dev.driftless.model.ValidationException;
import dev.driftless.notify.Destinations;
import dev.driftless.notify.Event;
import dev.driftless.notify.NotificationRule;
import dev.driftless.notify.Notifications;
import dev.driftless.store.HistoryStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The notifications the repository asks for under {@code notifications:} in driftless.yaml, so they
 * are versioned with everything else: taken from each commit the agent opens (as loaded and validated with
 * the inventory), replaced when they change. What was sent about each ongoing problem is kept in the history
 * database under the agent's name, so a restart (or the next {@code agent --once}) neither sends it again
 * before its {@code repeat} nor forgets to send its resolution.
 */
public final class RepositoryNotifications implements Consumer<Event>, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RepositoryNotifications.class);

    private final String agent;
    private final Clock clock;
    private final Map<String, String> env;
    private final AgentMemory memory;
    private Notifications current;
    private List<Notification> currentSettings = List.of();
    private String currentRevision;

    /**
     * @param agent   the agent's name
     * @param history the agent's history database, opened under its name
     */
    public RepositoryNotifications(String agent, Clock clock, HistoryStore history) {
        this(agent, clock, history, System.getenv());
    }

    /** @param env the environment {@code { env: VAR }} reads */
    public RepositoryNotifications(String agent, Clock clock, HistoryStore history, Map<String, String> env) {
        this.agent = agent;
        this.clock = clock;
        this.env = Map.copyOf(env);
        this.memory = AgentMemory.load(history);
        this.current = new Notifications(List.of(), clock);
        current.continueFrom(memory.notified());
    }

    /**
     * Takes the notification settings of the workspace's commit. Secrets and variables are read when the settings
     * change; if one cannot be read, the previous settings stay in use and the problem is logged at its line.
     */
    public synchronized void update(Workspace workspace) {
        // the agent opens the same commit on every fetch; look again only at a new one
        if (workspace.revision().equals(currentRevision)) {
            return;
        }
        currentRevision = workspace.revision();
        List<Notification> settings = workspace.inventory().notifications();
        if (settings.equals(currentSettings)) {
            return;
        }
        List<NotificationRule> rules;
        try {
            rules = Destinations.rules(agent, settings, workspace::secret, env);
        } catch (ValidationException e) {
            LOG.warn("notifications of {} not used (the previous ones are): {}", workspace.revision(), e.getMessage());
            return;
        }
        Notifications previous = current;
        current = new Notifications(rules, clock);
        current.continueFrom(previous.open());
        currentSettings = settings;
        previous.drain(Duration.ofSeconds(10));
        previous.close();
    }

    @Override
    public synchronized void accept(Event event) {
        current.publish(event);
        memory.notified(current.open());
    }

    /** Waits for queued deliveries (tests, shutdown). */
    public synchronized boolean drain(Duration timeout) {
        return current.drain(timeout);
    }

    @Override
    public synchronized void close() {
        current.drain(Duration.ofSeconds(10));
        current.close();
    }
}
