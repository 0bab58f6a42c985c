package dev.driftless.agent;

import dev.driftless.engine.Workspace;
import dev.driftless.load.YamlLimits;
import dev.driftless.notify.Event;
import dev.driftless.notify.NotificationConfig;
import dev.driftless.notify.NotificationRule;
import dev.driftless.notify.Notifications;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The notifications the repository asks for under {@code notifications:} in driftless.yaml, so they
 * are versioned with everything else: re-read at each commit the agent opens, replaced when they change.
 */
public final class RepositoryNotifications implements Consumer<Event>, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RepositoryNotifications.class);

    private final Clock clock;
    private Notifications current;
    private Object currentConfig;
    private String currentRevision;

    public RepositoryNotifications(Clock clock) {
        this.clock = clock;
        this.current = new Notifications(List.of(), clock);
    }

    /** Reads the notification settings of the workspace's commit; a bad setting keeps the previous ones. */
    public synchronized void update(Workspace workspace) {
        // the agent opens the same commit on every fetch; read driftless.yaml again only for a new one
        if (workspace.revision().equals(currentRevision)) {
            return;
        }
        currentRevision = workspace.revision();
        Optional<byte[]> text = workspace.tree().read("driftless.yaml");
        Object config = text.map(bytes -> {
            // Workspace.open has read this file within the same limits already
            Object loaded = YamlLimits.DEFAULT.load(new String(bytes, StandardCharsets.UTF_8), "driftless.yaml");
            return loaded instanceof Map<?, ?> map ? map.get("notifications") : null;
        }).orElse(null);
        if (java.util.Objects.equals(config, currentConfig)) {
            return;
        }
        List<NotificationRule> rules;
        try {
            rules = config == null ? List.of() : NotificationConfig.parse(config, "driftless.yaml: notifications",
                    name -> workspace.secret(name), System.getenv());
        } catch (RuntimeException e) {
            LOG.warn("notifications of {} not used: {}", workspace.revision(), e.getMessage());
            return;
        }
        Notifications previous = current;
        current = new Notifications(rules, clock);
        currentConfig = config;
        previous.drain(Duration.ofSeconds(10));
        previous.close();
    }

    @Override
    public synchronized void accept(Event event) {
        current.publish(event);
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
